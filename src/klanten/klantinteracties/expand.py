"""The one ``expand`` engine of the Klantinteracties API (design K1), with planned queries.

``?expand=a,b.c`` (a comma list, and/or the parameter repeated) asks for related resources;
each record then carries ``_expand`` with one key per asked relation: a list (``[]`` when
empty) or an object (``null`` when absent), and each expanded record its own ``_expand`` for the
deeper levels asked (``b.c``), also when it is empty. Open Klant's expand was quadratic (a
query per record per relation); here every relation *level* is loaded once for the whole page:
a list page costs a constant number of queries whatever is expanded and however many records
it has.

Registry (the resources of both halves of the API register here, at import time)::

    from klanten.klantinteracties import expand

    # a resource: how one object is represented (camelCase dict, ``url`` included), and
    # optionally how to batch-load what that needs for a list of objects (prefetch: a
    # constant number of queries for any number of objects)
    expand.registreer_resource("betrokkene", weergave=betrokkene_data, laad=laad_betrokkenen)

    # a relation that can be expanded: from resource ``bron`` under the name ``naam`` to
    # objects of resource ``doel``. ``volg(objecten, ctx)`` gets the parent objects (already
    # loaded) and returns ``{parent.pk: [children]}`` (``veel=True``) or
    # ``{parent.pk: child_or_None}`` (``veel=False``) in a constant number of queries, and
    # applies the visibility rules (K6/V7) to what it returns
    expand.registreer_pad("partij", "betrokkenen", doel="betrokkene", volg=betrokkenen_van)
    expand.registreer_pad("betrokkene", "hadKlantcontact", doel="klantcontact",
                          volg=klantcontact_van, veel=False)

    # in a viewset (klanten.klantinteracties.viewsets.KlantinteractiesViewSet does this):
    boom = expand.lees(request, "partij")               # 400 for an unknown path
    data = expand.weergeven("partij", objecten, boom, ctx)  # list of dicts with ``_expand``

``expand.paden("partij")`` lists every dotted path of a resource (the schema's enum). A path is
usable once every step is registered, so one half of the API can register ``betrokkenen`` on
the other half's ``partij``. A path a client asks for that is not registered is a 400
(``expand``, ``invalid_choice``), as Open Klant refuses unknown values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rest_framework.exceptions import ErrorDetail, ValidationError

__all__ = [
    "Pad",
    "Resource",
    "lees",
    "paden",
    "parse",
    "registreer_pad",
    "registreer_resource",
    "weergeven",
]

PARAMETER = "expand"
MAX_DIEPTE = 4


@dataclass(frozen=True)
class Resource:
    naam: str
    weergave: Callable  # (obj, ctx) -> dict
    laad: Callable | None = None  # (list[obj], ctx) -> None


@dataclass(frozen=True)
class Pad:
    bron: str
    naam: str
    doel: str
    volg: Callable  # (list[obj], ctx) -> {parent.pk: list | obj | None}
    veel: bool = True


_RESOURCES: dict[str, Resource] = {}
_PADEN: dict[str, dict[str, Pad]] = {}


def registreer_resource(naam: str, *, weergave: Callable, laad: Callable | None = None) -> None:
    _RESOURCES[naam] = Resource(naam, weergave, laad)


def registreer_pad(bron: str, naam: str, *, doel: str, volg: Callable, veel: bool = True) -> None:
    _PADEN.setdefault(bron, {})[naam] = Pad(bron, naam, doel, volg, veel)


def paden(bron: str, _diepte: int = 0) -> list[str]:
    """Every dotted expand path from resource ``bron`` (sorted)."""
    if _diepte >= MAX_DIEPTE:
        return []
    result = []
    for naam, pad in _PADEN.get(bron, {}).items():
        result.append(naam)
        result.extend(f"{naam}.{sub}" for sub in paden(pad.doel, _diepte + 1))
    return sorted(result)


def _fout(message: str) -> ValidationError:
    return ValidationError({PARAMETER: [ErrorDetail(message, code="invalid_choice")]})


def parse(waarden: list[str], bron: str) -> dict:
    """The tree of the asked paths (``{"betrokkenen": {"hadKlantcontact": {}}}``); 400 for a
    path that is not registered."""
    boom: dict = {}
    for waarde in waarden:
        for pad in waarde.split(","):
            pad = pad.strip()
            if not pad:  # `expand=,` or `expand=a,,b`: not one of the paths
                raise _fout("Lege waarde voor expand; mogelijk: " + ", ".join(paden(bron)) + ".")
            stappen = pad.split(".")
            if len(stappen) > MAX_DIEPTE:
                raise _fout("Het expand-pad is te diep.")
            resource, node = bron, boom
            for stap in stappen:
                gevonden = _PADEN.get(resource, {}).get(stap)
                if gevonden is None:
                    raise _fout(
                        "Onbekende waarde voor expand; mogelijk: " + ", ".join(paden(bron)) + "."
                    )
                node = node.setdefault(stap, {})
                resource = gevonden.doel
    return boom


def lees(request, bron: str) -> dict:
    """The expand tree of a request (``expand`` repeated and/or comma separated)."""
    return parse(request.query_params.getlist(PARAMETER), bron)


def weergeven(bron: str, objecten: list, boom: dict, ctx) -> list[dict]:
    """The representations of ``objecten`` (of resource ``bron``) with ``_expand`` as asked:
    one batch per resource level, never a query per object."""
    resource = _RESOURCES[bron]
    if resource.laad is not None and objecten:
        resource.laad(objecten, ctx)
    data = [resource.weergave(obj, ctx) for obj in objecten]
    if not boom:
        return data
    for item in data:
        item["_expand"] = {}
    for naam, sub in boom.items():
        pad = _PADEN[bron][naam]
        gevolgd = pad.volg(objecten, ctx) if objecten else {}
        # each child represented once, however many parents share it
        kinderen: dict = {}
        for obj in objecten:
            waarde = gevolgd.get(obj.pk)
            for kind in (waarde or []) if pad.veel else ([waarde] if waarde is not None else []):
                kinderen.setdefault(kind.pk, kind)
        lijst = list(kinderen.values())
        weergaven = dict(
            zip(
                (kind.pk for kind in lijst),
                weergeven(pad.doel, lijst, sub, ctx),
                strict=True,
            )
        )
        for obj, item in zip(objecten, data, strict=True):
            waarde = gevolgd.get(obj.pk)
            if pad.veel:
                item["_expand"][naam] = [weergaven[kind.pk] for kind in (waarde or [])]
            else:
                item["_expand"][naam] = weergaven[waarde.pk] if waarde is not None else None
    return data
