from django.contrib import admin

from .models import Klant, KlantAdres, NatuurlijkPersoon, NietNatuurlijkPersoon, Vestiging


class KlantAdresInline(admin.StackedInline):
    model = KlantAdres
    extra = 0


class NatuurlijkPersoonInline(admin.StackedInline):
    model = NatuurlijkPersoon
    extra = 0


class NietNatuurlijkPersoonInline(admin.StackedInline):
    model = NietNatuurlijkPersoon
    extra = 0


class VestigingInline(admin.StackedInline):
    model = Vestiging
    extra = 0


@admin.register(Klant)
class KlantAdmin(admin.ModelAdmin):
    """A first admin for klanten; the full data-manager admin is a later issue."""

    list_display = ("klantnummer", "bronorganisatie", "achternaam", "subject_type", "aangemaakt_op")
    list_filter = ("subject_type",)
    search_fields = ("klantnummer", "achternaam", "emailadres")
    readonly_fields = ("uuid", "aangemaakt_op", "gewijzigd_op")
    inlines = (
        KlantAdresInline,
        NatuurlijkPersoonInline,
        NietNatuurlijkPersoonInline,
        VestigingInline,
    )
    show_full_result_count = False
