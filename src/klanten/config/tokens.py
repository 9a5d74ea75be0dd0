"""K2: the ``Token`` keys of API clients for the Klantinteracties API.

A key is 40 random URL-safe characters; only its SHA-256 hash is stored (``APIToken``), so the
key is shown once: when it is made (:func:`maak_token`) or rotated (:func:`roteer`). A client
may hold several keys (rotate one while the other is still in use); an inactive key, or a key
of no client, identifies nobody (:func:`applicatie_voor_sleutel`).

    token, sleutel = maak_token(applicatie, omschrijving="Open Forms")
    # show ``sleutel`` once; later:
    nieuwe_sleutel = roteer(token)
    applicatie_voor_sleutel(sleutel)  # -> Applicatie or None

A request's key is looked up in one statement that also reads the client's autorisaties and
validation rights (nothing is cached between requests: a deactivated or rotated key, or a
changed autorisatie, counts from the next request in every process).
"""

import hashlib
import secrets

from django.contrib.postgres.expressions import ArraySubquery
from django.db import transaction
from django.db.models import OuterRef
from django.db.models.functions import JSONObject
from vng_api_common.authorizations.models import Applicatie, Autorisatie

from klanten import sqlvorm

from .models import APIToken

# the columns of an autorisatie read with the key (all of them: vng_api_common's and ours)
AUTORISATIE_VELDEN = tuple(
    field.attname for field in Autorisatie._meta.concrete_fields if field.attname != "applicatie_id"
)
SLEUTEL_BYTES = 30  # 40 URL-safe characters
# longer values are no key of ours (and are not hashed at all)
MAX_SLEUTEL_LENGTE = 200


def sleutel_hash(sleutel: str) -> str:
    return hashlib.sha256(sleutel.encode()).hexdigest()


def _nieuwe_sleutel() -> str:
    return secrets.token_urlsafe(SLEUTEL_BYTES)


@transaction.atomic
def maak_token(applicatie: Applicatie, omschrijving: str = "") -> tuple[APIToken, str]:
    """A new active key for ``applicatie``: the token row and the key (shown once)."""
    sleutel = _nieuwe_sleutel()
    token = APIToken.objects.create(
        applicatie=applicatie,
        sleutel_hash=sleutel_hash(sleutel),
        voorvoegsel=sleutel[:8],
        omschrijving=omschrijving,
    )
    return token, sleutel


@transaction.atomic
def roteer(token: APIToken) -> str:
    """Replace the key of ``token`` (the old key stops working at once); the new key."""
    sleutel = _nieuwe_sleutel()
    token.sleutel_hash = sleutel_hash(sleutel)
    token.voorvoegsel = sleutel[:8]
    token.save(update_fields=["sleutel_hash", "voorvoegsel"])
    return sleutel


def deactiveer(token: APIToken) -> bool:
    """Stop ``token``'s key from working (at once: keys are looked up on every request); the
    row stays, so the admin shows which key it was. False when it was inactive already."""
    return bool(APIToken.objects.filter(pk=token.pk, actief=True).update(actief=False))


@transaction.atomic
def zet_sleutel(applicatie: Applicatie, sleutel: str, omschrijving: str = "") -> APIToken:
    """A key chosen by the deployer (``setup_configuration``): idempotent per key."""
    token, _ = APIToken.objects.update_or_create(
        sleutel_hash=sleutel_hash(sleutel),
        defaults={
            "applicatie": applicatie,
            "voorvoegsel": sleutel[:8],
            "omschrijving": omschrijving,
            "actief": True,
        },
    )
    return token


def applicatie_voor_sleutel(sleutel: str) -> Applicatie | None:
    """The client an active key belongs to, else None: one statement, which also reads the
    client's autorisaties (``applicatie.autorisaties.all()`` then costs no query) and its
    validation rights (``applicatie.validatierecht``, or none)."""
    if not sleutel or len(sleutel) > MAX_SLEUTEL_LENGTE or "\x00" in sleutel:
        return None
    # compiled once per process (the ORM built this query anew on every request: about 4,700
    # Python calls, a third of a Klantinteracties write's), run as a prepared statement
    found = sqlvorm.lees_instanties(
        ("applicatie-voor-sleutel", ("sleutel_hash",)),
        _applicatie_query,
        {"sleutel_hash": sleutel_hash(sleutel)},
    )
    if not found:
        return None
    applicatie = found[0]
    _zet_autorisaties(applicatie, applicatie.__dict__.pop("token_autorisaties"))
    return applicatie


def _applicatie_query(marks: dict):
    """The client of an active key (``marks["sleutel_hash"]``: its hash) with its validation
    rights and, as JSON, its autorisaties; the first by pk (as ``.first()``)."""
    autorisaties = ArraySubquery(
        Autorisatie.objects.filter(applicatie_id=OuterRef("pk"))
        .order_by("pk")
        .values(json=JSONObject(**{veld: veld for veld in AUTORISATIE_VELDEN}))
    )
    return (
        Applicatie.objects.select_related("validatierecht")
        .filter(tokens__sleutel_hash=marks["sleutel_hash"], tokens__actief=True)
        .annotate(token_autorisaties=autorisaties)
        .order_by("pk")[:1]
    )


def _zet_autorisaties(applicatie: Applicatie, waarden: list[dict]) -> None:
    """The autorisaties read with the key as the client's prefetched ``autorisaties`` (what
    ``prefetch_related("autorisaties")`` would have put there)."""
    rijen = []
    for waarde in waarden:
        autorisatie = Autorisatie(applicatie_id=applicatie.pk, **waarde)
        autorisatie._state.adding = False
        autorisatie._state.db = applicatie._state.db
        rijen.append(autorisatie)
    queryset = applicatie.autorisaties.all()
    queryset._result_cache = rijen
    queryset._prefetch_done = True
    applicatie._prefetched_objects_cache = {"autorisaties": queryset}
