import re

from django.contrib import admin

from .context import pseudoniem
from .models import Gebeurtenis


@admin.register(Gebeurtenis)
class GebeurtenisAdmin(admin.ModelAdmin):
    """Read-only: the log of Mijn klantgegevens is written by the application only.

    Searching for a BSN (9 digits) or KvK number (8 digits) searches for its pseudonym: the
    identifier itself is never stored."""

    list_display = ("tijdstip", "actie", "reden", "middel", "rang", "klant_uuid", "pseudoniem")
    list_filter = ("actie", "middel", "rang")
    search_fields = ("pseudoniem", "klant_uuid")
    search_help_text = "Zoek op BSN, KvK-nummer, pseudoniem of klant-uuid."
    date_hierarchy = "tijdstip"

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if re.fullmatch(r"[0-9]{9}", term):
            return queryset.filter(pseudoniem=pseudoniem("bsn", term)), False
        if re.fullmatch(r"[0-9]{8}", term):
            return queryset.filter(pseudoniem=pseudoniem("kvk", term)), False
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
