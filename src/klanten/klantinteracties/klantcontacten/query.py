"""Reads of the klantcontact resources: who sees what (V7, K6), the list filters, and the
loaders the expand engine calls (one query per relation for a whole page).

Visibility (K6, V7, ``klanten.api.visibility``): klantcontacten, onderwerpobjecten, actoren
and interne taken are visible to every client with the read scope, as contactmomenten are. A
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

from klanten.api import visibility
from klanten.datamodel.kicontactrepresentatie import (
    betrokkene_data,
    betrokkenen,
    internetaak_data,
    internetaken,
    klantcontact_data,
    klantcontacten,
    onderwerpobject_data,
    onderwerpobjecten,
)
from klanten.datamodel.klantcontacten import Betrokkene, InterneTaak, Onderwerpobject
from klanten.datamodel.models import Klant


def _applicatie_uuid(request):
    applicatie = visibility.requesting_applicatie(request)
    return applicatie.uuid if applicatie is not None else None


def zichtbare_partij(request, prefix: str = "") -> Q | None:
    """The klanten the client sees as a partij (None: all): validated, an unconfirmed anchor
    (K5), or registered by the client."""
    if visibility.sees_all_non_validated(request):
        return None
    condition = Q(**{f"{prefix}gevalideerd": True}) | Q(**{f"{prefix}anker": True})
    applicatie = _applicatie_uuid(request)
    if applicatie is not None:
        condition |= Q(**{f"{prefix}geregistreerd_door": applicatie})
    return condition


def zichtbare_betrokkenen(queryset: QuerySet, request) -> QuerySet:
    partij = zichtbare_partij(request, "klant__")
    if partij is None:
        return queryset
    condition = (Q(klant__isnull=False) & partij) | ~Q(klant_url="")
    applicatie = _applicatie_uuid(request)
    if applicatie is not None:
        condition |= Q(geregistreerd_door=applicatie) | Q(
            klantcontact__geregistreerd_door=applicatie
        )
    return queryset.filter(condition)


def zichtbare_partij_ids(request, klant_ids) -> set | None:
    """Which of ``klant_ids`` the client sees as a partij (None: all); one query."""
    klant_ids = {pk for pk in klant_ids if pk is not None}
    partij = zichtbare_partij(request)
    if partij is None or not klant_ids:
        return None if partij is None else set()
    return set(Klant.objects.filter(partij, pk__in=klant_ids).values_list("id", flat=True))


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


def _ref_uuid(value, collectie: str, is_url: bool):
    if not is_url:
        return value
    return uuid_uit_url(value, collectie) or GEEN


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


def _partij_identificator(request, veld: str, value) -> Exists:
    from klanten.datamodel.partijen import PartijIdentificator

    partij = zichtbare_partij(request, "klant__")
    ids = PartijIdentificator.objects.filter(klant_id=OuterRef("klant_id"), **{veld: value})
    if partij is not None:
        ids = ids.filter(partij)
    return Exists(ids)


def betrokkene_conditie(name: str, value, request) -> Q | None:
    """A filter of ``/betrokkenen`` (also the ``hadBetrokkene__`` filters of klantcontacten)."""
    if name in ("hadKlantcontact__uuid", "hadKlantcontact__url"):
        return Q(klantcontact__uuid=_ref_uuid(value, "klantcontacten", name.endswith("url")))
    if name == "hadKlantcontact__nummer":
        return Q(klantcontact__nummer=value)
    if name == "hadKlantcontact__referentienummer":
        return Q(klantcontact__referentienummer=value)
    if name in ("wasPartij__uuid", "wasPartij__url"):
        condition = Q(klant__uuid=_ref_uuid(value, "partijen", name.endswith("url")))
        partij = zichtbare_partij(request, "klant__")
        return condition if partij is None else condition & partij
    if name == "wasPartij__nummer":
        condition = Q(klant__klantnummer=value)
        partij = zichtbare_partij(request, "klant__")
        return condition if partij is None else condition & partij
    if name == "wasPartij":
        partij = zichtbare_partij(request, "klant__")
        heeft = Q(klant__isnull=False) if partij is None else Q(klant__isnull=False) & partij
        return heeft if value else ~heeft
    veld = _identificator(name, "wasPartij__partijIdentificator__")
    if veld:
        return Q(_partij_identificator(request, veld, value))
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


def pas_toe_betrokkenen(queryset: QuerySet, values: dict, request) -> QuerySet:
    for name, value in values.items():
        condition = betrokkene_conditie(name, value, request)
        if condition is not None:
            queryset = queryset.filter(condition)
    return zichtbare_betrokkenen(queryset, request).order_by("-id")


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


def pas_toe_klantcontacten(queryset: QuerySet, values: dict, request) -> QuerySet:
    for name, value in values.items():
        if name in KLANTCONTACT_VELDEN:
            queryset = queryset.filter(**{KLANTCONTACT_VELDEN[name]: value})
        elif name in ("hadBetrokkene__uuid", "hadBetrokkene__url"):
            key = _ref_uuid(value, "betrokkenen", name.endswith("url"))
            queryset = queryset.filter(
                Exists(
                    zichtbare_betrokkenen(
                        Betrokkene.objects.filter(klantcontact_id=OuterRef("pk"), uuid=key),
                        request,
                    )
                )
            )
        elif name.startswith("hadBetrokkene__"):
            condition = betrokkene_conditie(name.removeprefix("hadBetrokkene__"), value, request)
            if condition is None:
                continue
            queryset = queryset.filter(
                Exists(
                    zichtbare_betrokkenen(
                        Betrokkene.objects.filter(condition, klantcontact_id=OuterRef("pk")),
                        request,
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


def pas_toe_onderwerpobjecten(queryset: QuerySet, values: dict) -> QuerySet:
    for name, value in values.items():
        if name in ("klantcontact__uuid", "klantcontact__url"):
            queryset = queryset.filter(
                klantcontact__uuid=_ref_uuid(value, "klantcontacten", name.endswith("url"))
            )
        elif name in ("wasKlantcontact__uuid", "wasKlantcontact__url"):
            queryset = queryset.filter(
                was_klantcontact__uuid=_ref_uuid(value, "klantcontacten", name.endswith("url"))
            )
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


# --- loaders for the expand engine: one query per relation for a whole page -------------------


def betrokkenen_van_klantcontacten(klantcontact_ids, request, basis) -> dict[int, list[dict]]:
    """Per klantcontact id its visible betrokkenen (representation, ``_id``/``_klant_id``
    kept for nested expands)."""
    per: dict[int, list[dict]] = {pk: [] for pk in klantcontact_ids}
    if not per:
        return per
    rows = list(
        betrokkenen(
            zichtbare_betrokkenen(
                Betrokkene.objects.filter(klantcontact_id__in=per), request
            ).order_by("klantcontact_id", "id")
        )
    )
    zichtbaar = zichtbare_partij_ids(request, [row[14] for row in rows])
    for row in rows:
        per[row[15]].append(_met_sleutels(betrokkene_data(row, basis, zichtbaar), row))
    return per


def betrokkenen_van_partijen(klant_ids, request, basis) -> dict[int, list[dict]]:
    """Per partij (klant id) its betrokkenen (the partij is visible: the caller shows it)."""
    per: dict[int, list[dict]] = {pk: [] for pk in klant_ids}
    if not per:
        return per
    rows = betrokkenen(Betrokkene.objects.filter(klant_id__in=per).order_by("klant_id", "-id"))
    for row in rows:
        per[row[14]].append(_met_sleutels(betrokkene_data(row, basis), row))
    return per


def betrokkenen_per_id(betrokkene_ids, request, basis) -> dict[int, dict]:
    """The visible betrokkenen among ``betrokkene_ids`` (an address's verstrektDoorBetrokkene)."""
    ids = {pk for pk in betrokkene_ids if pk is not None}
    if not ids:
        return {}
    rows = list(betrokkenen(zichtbare_betrokkenen(Betrokkene.objects.filter(pk__in=ids), request)))
    zichtbaar = zichtbare_partij_ids(request, [row[14] for row in rows])
    return {row[13]: _met_sleutels(betrokkene_data(row, basis, zichtbaar), row) for row in rows}


def _met_sleutels(data: dict, row) -> dict:
    """Keep the ids nested expands need, out of the JSON (stripped by :func:`zonder_sleutels`)."""
    data["_id"] = row[13]
    data["_klant_id"] = row[14] if data["wasPartij"] is not None else None
    data["_klantcontact_id"] = row[15]
    return data


def klantcontacten_per_id(klantcontact_ids, basis) -> dict[int, dict]:
    ids = {pk for pk in klantcontact_ids if pk is not None}
    if not ids:
        return {}
    from klanten.datamodel.klantcontacten import Klantcontact

    return {
        row[18]: klantcontact_data(row, basis)
        for row in klantcontacten(Klantcontact.objects.filter(pk__in=ids))
    }


def onderwerpobjecten_van_klantcontacten(klantcontact_ids, basis) -> dict[int, list[dict]]:
    per: dict[int, list[dict]] = {pk: [] for pk in klantcontact_ids}
    if not per:
        return per
    rows = onderwerpobjecten(
        Onderwerpobject.objects.filter(klantcontact_id__in=per).order_by("klantcontact_id", "id")
    )
    for row in rows:
        per[row[7]].append(onderwerpobject_data(row, basis))
    return per


def internetaken_van_klantcontacten(klantcontact_ids, basis) -> dict[int, list[dict]]:
    per: dict[int, list[dict]] = {pk: [] for pk in klantcontact_ids}
    if not per:
        return per
    rows = internetaken(
        InterneTaak.objects.filter(aanleidinggevend_klantcontact_id__in=per).order_by(
            "aanleidinggevend_klantcontact_id", "id"
        )
    )
    for row in rows:
        per[row[10]].append(internetaak_data(row, basis))
    return per


def zonder_sleutels(data):
    """Remove the ``_id``-style keys the loaders kept (recursively)."""
    if isinstance(data, dict):
        return {
            k: zonder_sleutels(v)
            for k, v in data.items()
            if k not in ("_id", "_klant_id", "_klantcontact_id")
        }
    if isinstance(data, list):
        return [zonder_sleutels(v) for v in data]
    return data
