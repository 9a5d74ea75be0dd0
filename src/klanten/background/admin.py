"""The background side in the admin: the notification outbox (with "send again"), the
tombstones of destroyed klanten and the destruction runs. Every changelist of this app shows
the same status summary as ``/health/background``."""

from django.contrib import admin, messages
from django.utils.text import Truncator

from klanten.notificaties import outbox

from .models import UitgaandeNotificatie, VernietigdeKlant, Vernietigingsrun
from .status import achtergrond_status


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by the tasks only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "achtergrond_status": achtergrond_status()}
        return super().changelist_view(request, extra_context)


@admin.register(UitgaandeNotificatie)
class UitgaandeNotificatieAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "actie",
        "resource_url",
        "status",
        "pogingen",
        "volgende_poging",
        "fout",
        "aangemaakt_op",
        "afgeleverd_op",
    )
    list_filter = ("status", "actie")
    search_fields = ("resource_url",)
    readonly_fields = (
        "aangemaakt_op",
        "actie",
        "resource_url",
        "status",
        "pogingen",
        "volgende_poging",
        "laatste_poging_op",
        "laatste_fout",
        "afgeleverd_op",
        "bericht",
    )
    actions = ("opnieuw_versturen",)
    show_full_result_count = False

    @admin.display(description="laatste fout")
    def fout(self, obj):
        return Truncator(obj.laatste_fout).chars(80)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_resend_permission(self, request):
        # the rows are read-only; sending again is what "change" allows here
        return request.user.has_perm("background.change_uitgaandenotificatie")

    @admin.action(
        description="Opnieuw versturen (niet afgeleverde notificaties, met nieuwe pogingen)",
        permissions=("resend",),
    )
    def opnieuw_versturen(self, request, queryset):
        total = queryset.count()
        count = outbox.opnieuw_versturen(list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            f"{count} notificatie(s) worden opnieuw verstuurd.",
            messages.SUCCESS if count else messages.WARNING,
        )
        if total > count:
            self.message_user(
                request,
                f"{total - count} al afgeleverde notificatie(s) overgeslagen.",
                messages.INFO,
            )

    def get_queryset(self, request):
        return super().get_queryset(request).defer("bericht")


@admin.register(VernietigdeKlant)
class VernietigdeKlantAdmin(ReadOnlyAdmin):
    list_display = ("uuid", "vernietigd_op", "vernietigingsdatum", "grond")
    list_filter = ("grond",)
    search_fields = ("=uuid",)
    date_hierarchy = "vernietigd_op"
    show_full_result_count = False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Vernietigingsrun)
class VernietigingsrunAdmin(ReadOnlyAdmin):
    list_display = (
        "gestart_op",
        "beeindigd_op",
        "status",
        "aantal_vernietigd",
        "handmatig",
        "fout",
    )
    list_filter = ("status", "handmatig")

    def has_delete_permission(self, request, obj=None):
        return False
