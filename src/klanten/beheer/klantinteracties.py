"""What the actoren and interne taken pages share: read-only access, filters with readable
titles, counts per row as subqueries (a constant number of queries per list page), a short
table of related rows on a detail page, and how a klantcontact is named and linked."""

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

# how many related rows a detail page lists (the newest); the rest are counted
LAATSTE = 25


class AlleenLezen:
    """Viewed with the model's view permission (both groups of data managers); never added,
    changed or deleted in the admin: the APIs write them through the services, each change
    with its audit record and notification. Shared by the read-only admins and inlines
    (actoren, interne taken, contactmomenten, partij rows, validaties)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MetKop:
    """A detail page titled and headed by ``kop_van(obj)`` (set by the admin to its module's
    ``kop``)."""

    kop_van = staticmethod(str)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        obj = self.get_object(request, object_id)
        if obj is not None:
            extra_context.setdefault("title", self.kop_van(obj))
            extra_context.setdefault("kop", self.kop_van(obj))
        return super().change_view(request, object_id, form_url, extra_context)


def ja_nee(waarde) -> str:
    if waarde is None:
        return "Onbekend"
    return "Ja" if waarde else "Nee"


def met_titel(filter_class, titel: str):
    """A field list filter with a readable title instead of the column's name."""

    class Filter(filter_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.title = titel

    Filter.__name__ = f"{filter_class.__name__}_{titel}"
    return Filter


def aantal(model, veld: str):
    """The number of ``model`` rows whose ``veld`` is the row's key, as a subquery (no
    GROUP BY over the whole list)."""
    rijen = (
        model.objects.filter(**{veld: OuterRef("pk")})
        .order_by()
        .values(veld)
        .annotate(aantal=Count("*"))
        .values("aantal")[:1]
    )
    return Coalesce(Subquery(rijen, output_field=IntegerField()), 0)


def klantcontact_naam(klantcontact) -> str:
    """A klantcontact by when and through which kanaal (as the contactmoment page calls it)."""
    moment = timezone.localtime(klantcontact.plaatsgevonden_op)
    kanaal = f" ({klantcontact.kanaal})" if klantcontact.kanaal else ""
    return f"{moment:%d-%m-%Y %H:%M}{kanaal}"


def klantcontact_link(klantcontact) -> str:
    if klantcontact is None:
        return "-"
    url = reverse("admin:datamodel_contactmoment_change", args=[klantcontact.pk])
    return format_html('<a href="{}">{}</a>', url, klantcontact_naam(klantcontact))


def tabel(koppen: tuple[str, ...], regels, totaal: int, meer: str = "") -> str:
    """A small read-only table of related rows (each a tuple of safe strings), with how many
    there are when not all are listed."""
    if not totaal:
        return "-"
    kop = format_html_join("", "<th>{}</th>", ((k,) for k in koppen))
    rijen = format_html_join(
        "",
        "<tr>{}</tr>",
        ((format_html_join("", "<td>{}</td>", ((c,) for c in r)),) for r in regels),
    )
    tabel_html = format_html(
        '<div class="tabel-scroll"><table class="klanten-gerelateerd"><thead><tr>{}</tr></thead>'
        "<tbody>{}</tbody></table></div>",
        kop,
        rijen,
    )
    if totaal > len(regels):
        return format_html(
            "{}<p>De nieuwste {} van {}{}.</p>", tabel_html, len(regels), totaal, meer
        )
    return tabel_html
