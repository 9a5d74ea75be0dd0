"""R1: the destruction date of non-validated klanten (contract section 4), derived from their
interactions with the configured periods (``rules.vernietiging``) and stored. Re-exported by
``services``; a module of its own so that ``contacten`` (a betrokkene's write) can use it
without importing ``services``."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from klanten.notificaties.wijziging import Bundel

from . import rules
from .models import Interactie, Klant


def _vernietigingsdatum(**kwargs):
    vernietiging = vernietiging_volgens_regels(**kwargs)
    return vernietiging.datum if vernietiging else None


def vernietiging_volgens_regels(
    *, gevalideerd: bool, aangemaakt_op, interacties
) -> rules.Vernietiging | None:
    """R1 with the configured periods. ``aangemaakt_op`` is a date; ``interacties`` are
    ``(vernietigingsdatum, aangemaakt_op)`` pairs (date or None, aware datetime)."""
    return rules.vernietiging(
        gevalideerd=gevalideerd,
        aangemaakt_op=aangemaakt_op,
        interacties=[
            rules.InteractieTermijn(datum, timezone.localdate(geregistreerd))
            for datum, geregistreerd in interacties
        ],
        bewaartermijn=timedelta(days=settings.KLANTEN_BEWAARTERMIJN_DAGEN),
        respijt_zonder_interactie=timedelta(days=settings.KLANTEN_RESPIJT_ZONDER_INTERACTIE_DAGEN),
    )


def interactie_termijnen(klant_ids) -> dict[int, list]:
    """R1: per klant id the ``(vernietigingsdatum, registered)`` pairs of its interactions: its
    E2 interactions (registered when they were recorded here) and the klantcontacten it took
    part in as a betrokkene (registered when the contact took place), in one query."""
    from .klantcontacten import Betrokkene

    per_klant: dict[int, list] = {pk: [] for pk in klant_ids}
    if not per_klant:
        return per_klant
    interacties = Interactie.objects.filter(klant_id__in=per_klant).values_list(
        "klant_id", "vernietigingsdatum", "aangemaakt_op"
    )
    betrokkenheden = Betrokkene.objects.filter(klant_id__in=per_klant).values_list(
        "klant_id", "vernietigingsdatum", "klantcontact__plaatsgevonden_op"
    )
    for klant_id, datum, geregistreerd in interacties.union(betrokkenheden, all=True):
        per_klant[klant_id].append((datum, geregistreerd))
    return per_klant


def termijnen_en_betrokkenheid(klant: Klant, betrokkenheid) -> tuple[list, bool]:
    """R1's read of :func:`interactie_termijnen` for one klant, and in the same query whether
    one of its betrokkenen matches ``betrokkenheid`` (a ``Q`` on ``Betrokkene``): a new
    betrokkene's duplicate check and its klant's interactions in one statement. Read after the
    klant's lock is held (a statement of its own)."""
    from django.db.models import BooleanField, ExpressionWrapper, Value

    from .klantcontacten import Betrokkene

    interacties = (
        Interactie.objects.filter(klant_id=klant.pk)
        .annotate(treffer=Value(False))
        .values_list("vernietigingsdatum", "aangemaakt_op", "treffer")
    )
    betrokkenheden = (
        Betrokkene.objects.filter(klant_id=klant.pk)
        .annotate(treffer=ExpressionWrapper(betrokkenheid, output_field=BooleanField()))
        .values_list("vernietigingsdatum", "klantcontact__plaatsgevonden_op", "treffer")
    )
    termijnen, gevonden = [], False
    for datum, geregistreerd, treffer in interacties.union(betrokkenheden, all=True):
        termijnen.append((datum, geregistreerd))
        gevonden = gevonden or bool(treffer)
    return termijnen, gevonden


def vernietiging_van(klant: Klant, interacties=None) -> rules.Vernietiging | None:
    """R1 for a stored klant; ``interacties`` as for :func:`vernietiging_volgens_regels`,
    read from the database when not given (:func:`interactie_termijnen`)."""
    if klant.gevalideerd:
        return None  # R3
    if interacties is None:
        interacties = interactie_termijnen([klant.pk])[klant.pk]
    return vernietiging_volgens_regels(
        gevalideerd=klant.gevalideerd,
        aangemaakt_op=timezone.localdate(klant.aangemaakt_op),
        interacties=interacties,
    )


def werk_vernietigingsdatum_bij(klant: Klant, interacties=None, bundel: Bundel | None = None):
    """R1: derive the destruction date of a klant again and store it when it changed (a
    validated klant has none; ``bundel``: the UPDATE goes into its statement, the caller
    inserts it). Returns the date."""
    vernietiging = vernietiging_van(klant, interacties)
    datum = vernietiging.datum if vernietiging else None
    if klant.vernietigingsdatum != datum:
        klant.vernietigingsdatum = datum
        if bundel is not None:
            bundel.werk_bij(klant, ["vernietigingsdatum"])
        else:
            Klant.objects.filter(pk=klant.pk).update(vernietigingsdatum=datum)
    return datum


def herbereken_vernietigingsdata(batch_size: int = 1000) -> int:
    """R1 after a change of the retention settings: derive every non-validated klant's
    destruction date again. Returns how many changed."""
    changed = 0
    last_id = 0
    while True:
        with transaction.atomic():
            klanten = list(
                Klant.objects.select_for_update()
                .filter(gevalideerd=False, id__gt=last_id)
                .only("id", "gevalideerd", "aangemaakt_op", "vernietigingsdatum")
                .order_by("id")[:batch_size]
            )
            if not klanten:
                return changed
            last_id = klanten[-1].id
            per_klant = interactie_termijnen([k.id for k in klanten])
            for klant in klanten:
                before = klant.vernietigingsdatum
                if werk_vernietigingsdatum_bij(klant, per_klant[klant.id]) != before:
                    changed += 1
