"""Reads of the klantcontact resources: who sees what (V7, K6), the list filters, and the
loaders the expand engine calls (one query per relation for a whole page).

Visibility (K6, V7, ``klanten.api.visibility``): klantcontacten, onderwerpobjecten, actoren
and interne taken are visible to every client with the read scope, as contactmomenten are; so
are actorklantcontacten (an interne taak and an actorklantcontact are seen as their klantcontact
is, and show nothing of its betrokkenen but what the klantcontact itself shows). A
betrokkene is visible when its partij is (validated, an anchor, or the client's own), when it
names a klant of another Klanten API, or when the client registered it or its klantcontact;
any other betrokkene is a non-validated klant of someone else's contact: never listed, never
found by name or address, 404 by uuid, left out of an expanded klantcontact. A betrokkene
shows its ``wasPartij`` only when the client may see that partij; otherwise only its own
snapshot.
"""

from __future__ import annotations

import uuid as _uuid

from django.db.models import Exists, OuterRef, Q, QuerySet

from klanten.datamodel.klantcontacten import Betrokkene, InterneTaak, Onderwerpobject
from klanten.datamodel.models import Klant


def zichtbare_partij(ctx, prefix: str = "") -> Q | None:
    """The klanten the client sees as a partij (None: all), as the partij side reads them by
    uuid (V7/K6: validated, an unconfirmed anchor, its own, or of a klantcontact it
    registered)."""
    if ctx.ziet_alles:
        return None
    from klanten.klantinteracties.partijen import partij_per_uuid

    return partij_per_uuid(ctx, prefix)


def zichtbare_betrokkenen(queryset: QuerySet, ctx) -> QuerySet:
    partij = zichtbare_partij(ctx, "klant__")
    if partij is None:
        return queryset
    condition = (Q(klant__isnull=False) & partij) | ~Q(klant_url="")
    applicatie = ctx.applicatie_uuid
    if applicatie is not None:
        condition |= Q(geregistreerd_door=applicatie) | Q(
            klantcontact__geregistreerd_door=applicatie
        )
    return queryset.filter(condition)


def zichtbare_partij_ids(ctx, klant_ids) -> set | None:
    """Which of ``klant_ids`` the client sees as a partij (None: all): the ids of
    ``Klant.objects.filter(zichtbare_partij(ctx), pk__in=klant_ids)``, in one prepared
    statement compiled once per visibility shape (``readsql.orm_per_ids``: one id
    ``id = $1``, more one array parameter), where the ORM built it (a shape per number of
    ids) and PostgreSQL planned it on every page with betrokkenen."""
    if ctx.ziet_alles:
        return None
    klant_ids = sorted({pk for pk in klant_ids if pk is not None})
    if not klant_ids:
        return set()
    from klanten.api import readsql
    from klanten.klantinteracties import leesvormen

    modus = leesvormen.vraagmodus(ctx)
    rows = readsql.orm_per_ids(
        ("ki-zichtbare-partijen", (leesvormen.marknamen(modus)[1],), modus),
        lambda per_id, marks: (
            Klant.objects.filter(zichtbare_partij(leesvormen.vragende(marks, modus)), per_id("id"))
            .order_by()
            .values_list("id")
        ),
        klant_ids,
        {"__applicatie": ctx.applicatie_uuid},
    )
    return {row[0] for row in rows}


# --- filters ----------------------------------------------------------------------------------


def uuid_uit_url(value: str, collectie: str):
    """The uuid at the end of a URL of ``collectie`` (None when it is no such URL)."""
    parts = value.rstrip("/").rsplit("/", 2)
    if len(parts) < 3 or parts[-2] != collectie:
        return None
    try:
        return _uuid.UUID(parts[-1])
    except ValueError:
        return None


GEEN = _uuid.UUID(int=0)  # a uuid no row has: "matches nothing"


def verwezen_uuid(value: str, collectie: str):
    """The uuid a URL filter of ``collectie`` matches: the one the URL names, or :data:`GEEN`
    (a URL of another collection, or no such URL, matches nothing)."""
    return uuid_uit_url(value, collectie) or GEEN


def _ref_uuid(value, collectie: str, is_url: bool):
    return verwezen_uuid(value, collectie) if is_url else value


def _verwijzing(name: str, value, verwijzingen: dict) -> Q | None:
    """The condition of a reference filter ``<ref>__uuid`` or ``<ref>__url`` whose ``<ref>``
    ``verwijzingen`` maps to (its uuid lookup, the collection its URLs name); else None."""
    ref, _, soort = name.rpartition("__")
    if soort not in ("uuid", "url") or ref not in verwijzingen:
        return None
    lookup, collectie = verwijzingen[ref]
    return Q(**{lookup: _ref_uuid(value, collectie, soort == "url")})


IDENTIFICATOR = {
    "codeObjecttype": "code_objecttype",
    "codeRegister": "code_register",
    "codeSoortObjectId": "code_soort_object_id",
    "objectId": "object_id",
}


def _identificator(name: str, prefix: str) -> str | None:
    """``prefixCodeRegister`` → ``code_register``."""
    if not name.startswith(prefix):
        return None
    rest = name[len(prefix) :]
    return IDENTIFICATOR.get(rest[:1].lower() + rest[1:])


def _partij_identificator(ctx, veld: str, value) -> Exists:
    from klanten.datamodel.partijen import PartijIdentificator

    partij = zichtbare_partij(ctx, "klant__")
    ids = PartijIdentificator.objects.filter(klant_id=OuterRef("klant_id"), **{veld: value})
    if partij is not None:
        ids = ids.filter(partij)
    return Exists(ids)


def betrokkene_conditie(name: str, value, ctx) -> Q | None:
    """A filter of ``/betrokkenen`` (also the ``hadBetrokkene__`` filters of klantcontacten)."""
    if name in ("hadKlantcontact__uuid", "hadKlantcontact__url"):
        return Q(klantcontact__uuid=_ref_uuid(value, "klantcontacten", name.endswith("url")))
    if name == "hadKlantcontact__nummer":
        return Q(klantcontact__nummer=value)
    if name == "hadKlantcontact__referentienummer":
        return Q(klantcontact__referentienummer=value)
    if name in ("wasPartij__uuid", "wasPartij__url"):
        condition = Q(klant__uuid=_ref_uuid(value, "partijen", name.endswith("url")))
        partij = zichtbare_partij(ctx, "klant__")
        return condition if partij is None else condition & partij
    if name == "wasPartij__nummer":
        condition = Q(klant__klantnummer=value)
        partij = zichtbare_partij(ctx, "klant__")
        return condition if partij is None else condition & partij
    if name == "wasPartij":
        partij = zichtbare_partij(ctx, "klant__")
        heeft = Q(klant__isnull=False) if partij is None else Q(klant__isnull=False) & partij
        return heeft if value else ~heeft
    veld = _identificator(name, "wasPartij__partijIdentificator__")
    if veld:
        return Q(_partij_identificator(ctx, veld, value))
    contactnaam = {
        "contactnaamVoorletters": "voorletters",
        "contactnaamVoornaam": "voornaam",
        "contactnaamVoorvoegselAchternaam": "voorvoegsel_achternaam",
        "contactnaamAchternaam": "achternaam",
        "organisatienaam": "organisatienaam",
    }
    if name in contactnaam:
        return Q(**{contactnaam[name]: value})
    if name in ("verstrektedigitaalAdres__uuid", "verstrektedigitaalAdres__url"):
        key = _ref_uuid(value, "digitaleadressen", name.endswith("url"))
        return Q(digitale_adressen__uuid=key)
    if name in ("verstrektedigitaalAdres__adres", "digitaaladres__adres__icontains"):
        from klanten.datamodel.partijen import DigitaalAdres

        # K7: exact (normalised, case-insensitive) only, never a substring over
        # non-validated data
        return Q(
            Exists(
                DigitaalAdres.objects.filter(
                    betrokkene_id=OuterRef("pk"), adres__iexact=value.strip()
                )
            )
        )
    return None


def pas_toe_betrokkenen(queryset: QuerySet, values: dict, ctx) -> QuerySet:
    for name, value in values.items():
        condition = betrokkene_conditie(name, value, ctx)
        if condition is not None:
            queryset = queryset.filter(condition)
    return zichtbare_betrokkenen(queryset, ctx).order_by("-id")


def _onderwerp_conditie(name: str, value, prefix: str) -> Q | None:
    """``onderwerpobject__...`` (what a klantcontact was about: its onderwerpobjecten) or
    ``wasOnderwerpobject__...`` (onderwerpobjecten pointing at it as ``wasKlantcontact``)."""
    if name in (f"{prefix}__uuid", f"{prefix}__url"):
        return Q(uuid=_ref_uuid(value, "onderwerpobjecten", name.endswith("url")))
    veld = _identificator(name, f"{prefix}__onderwerpobjectidentificator")
    if veld:
        return Q(**{veld: value})
    return None


KLANTCONTACT_VELDEN = {
    "nummer": "nummer",
    "referentienummer": "referentienummer",
    "kanaal": "kanaal",
    "onderwerp": "onderwerp",
    "inhoud": "inhoud",
    "reactie": "reactie",
    "indicatieContactGelukt": "indicatie_contact_gelukt",
    "vertrouwelijk": "vertrouwelijk",
    "plaatsgevondenOp": "plaatsgevonden_op",
}


def pas_toe_klantcontacten(queryset: QuerySet, values: dict, ctx) -> QuerySet:
    for name, value in values.items():
        if name in KLANTCONTACT_VELDEN:
            queryset = queryset.filter(**{KLANTCONTACT_VELDEN[name]: value})
        elif name in ("hadBetrokkene__uuid", "hadBetrokkene__url"):
            key = _ref_uuid(value, "betrokkenen", name.endswith("url"))
            queryset = queryset.filter(
                Exists(
                    zichtbare_betrokkenen(
                        Betrokkene.objects.filter(klantcontact_id=OuterRef("pk"), uuid=key),
                        ctx,
                    )
                )
            )
        elif name.startswith("hadBetrokkene__"):
            condition = betrokkene_conditie(name.removeprefix("hadBetrokkene__"), value, ctx)
            if condition is None:
                continue
            queryset = queryset.filter(
                Exists(
                    zichtbare_betrokkenen(
                        Betrokkene.objects.filter(condition, klantcontact_id=OuterRef("pk")),
                        ctx,
                    )
                )
            )
        elif name.startswith("onderwerpobject__"):
            condition = _onderwerp_conditie(name, value, "onderwerpobject")
            if condition is not None:
                queryset = queryset.filter(
                    Exists(
                        Onderwerpobject.objects.filter(condition, klantcontact_id=OuterRef("pk"))
                    )
                )
        elif name.startswith("wasOnderwerpobject__"):
            condition = _onderwerp_conditie(
                name.replace("wasOnderwerpobject", "onderwerpobject", 1), value, "onderwerpobject"
            )
            if condition is not None:
                queryset = queryset.filter(
                    Exists(
                        Onderwerpobject.objects.filter(
                            condition, was_klantcontact_id=OuterRef("pk")
                        )
                    )
                )
        elif name == "leiddeTotInterneTaken":
            heeft = Exists(
                InterneTaak.objects.filter(aanleidinggevend_klantcontact_id=OuterRef("pk"))
            )
            queryset = queryset.filter(heeft if value else ~heeft)
    return queryset.order_by("-plaatsgevonden_op", "-id")


ONDERWERPOBJECT_VERWIJZINGEN = {
    "klantcontact": ("klantcontact__uuid", "klantcontacten"),
    "wasKlantcontact": ("was_klantcontact__uuid", "klantcontacten"),
}


def pas_toe_onderwerpobjecten(queryset: QuerySet, values: dict) -> QuerySet:
    for name, value in values.items():
        conditie = _verwijzing(name, value, ONDERWERPOBJECT_VERWIJZINGEN)
        if conditie is not None:
            queryset = queryset.filter(conditie)
        else:
            veld = _identificator(name, "onderwerpobjectidentificator")
            if veld:
                queryset = queryset.filter(**{veld: value})
    return queryset.order_by("-id")


def pas_toe_actoren(queryset: QuerySet, values: dict) -> QuerySet:
    for name, value in values.items():
        if name == "naam":
            queryset = queryset.filter(naam=value)
        elif name == "soortActor":
            queryset = queryset.filter(soort_actor=value)
        elif name == "indicatieActief":
            queryset = queryset.filter(indicatie_actief=value)
        else:
            veld = _identificator(name, "actoridentificator")
            if veld:
                queryset = queryset.filter(**{veld: value})
    return queryset.order_by("-id")


def _toegewezen(**actor) -> Exists:
    """An interne taak (``OuterRef("pk")``) is assigned to an actor with these ``actor``
    fields (one row per taak, however many of its actors match)."""
    koppeling = InterneTaak.toegewezen_aan_actoren.through
    return Exists(
        koppeling.objects.filter(
            internetaak_id=OuterRef("pk"), **{f"actor__{veld}": v for veld, v in actor.items()}
        )
    )


INTERNETAAK_VELDEN = {
    "nummer": "nummer",
    "referentienummer": "referentienummer",
    "status": "status",
    "toegewezenOp": "toegewezen_op",
    # Open Klant's ``klantcontact`` is the aanleidinggevend klantcontact
    "klantcontact__uuid": "aanleidinggevend_klantcontact__uuid",
    "klantcontact__nummer": "aanleidinggevend_klantcontact__nummer",
    "klantcontact__referentienummer": "aanleidinggevend_klantcontact__referentienummer",
}


INTERNETAAK_VERWIJZINGEN = {
    "aanleidinggevendKlantcontact": ("aanleidinggevend_klantcontact__uuid", "klantcontacten"),
}


def pas_toe_internetaken(queryset: QuerySet, values: dict) -> QuerySet:
    for name, value in values.items():
        if name in INTERNETAAK_VELDEN:
            queryset = queryset.filter(**{INTERNETAAK_VELDEN[name]: value})
        elif (conditie := _verwijzing(name, value, INTERNETAAK_VERWIJZINGEN)) is not None:
            queryset = queryset.filter(conditie)
        elif name in ("toegewezenAanActor__uuid", "toegewezenAanActor__url"):
            key = _ref_uuid(value, "actoren", name.endswith("url"))
            queryset = queryset.filter(_toegewezen(uuid=key))
        elif name == "actoren__naam":
            queryset = queryset.filter(_toegewezen(naam=value))
    return queryset.order_by("-id")


ACTORKLANTCONTACT_VERWIJZINGEN = {
    "actor": ("actor__uuid", "actoren"),
    "klantcontact": ("klantcontact__uuid", "klantcontacten"),
}


def pas_toe_actorklantcontacten(queryset: QuerySet, values: dict) -> QuerySet:
    for name, value in values.items():
        conditie = _verwijzing(name, value, ACTORKLANTCONTACT_VERWIJZINGEN)
        if conditie is not None:
            queryset = queryset.filter(conditie)
    return queryset.order_by("-id")
