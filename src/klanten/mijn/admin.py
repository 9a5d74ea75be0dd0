from django.contrib import admin

from .models import Gebeurtenis


@admin.register(Gebeurtenis)
class GebeurtenisAdmin(admin.ModelAdmin):
    """Read-only: the log of Mijn klantgegevens is written by the application only."""

    list_display = ("tijdstip", "actie", "reden", "middel", "rang", "klant_uuid", "pseudoniem")
    list_filter = ("actie", "middel", "rang")
    search_fields = ("pseudoniem", "klant_uuid")
    date_hierarchy = "tijdstip"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
