"""K3/K8: the partij tables follow the klant's own columns, whichever API wrote them.

The Klanten API keeps a klant's identification (``inpBsn``, ``innNnpId``,
``vestigingsNummer``) and its ``emailadres``/``telefoonnummer`` in the klant's rows; the
Klantinteracties API shows them as ``PartijIdentificator`` and standaard ``DigitaalAdres``
rows. :func:`synchroniseer` makes those rows equal to the klant after every write of the
services (``services._maak``, ``_wijzig``, ``_valideer``, ``corrigeer_subject``), in the same
transaction, with the klant row locked by the caller. It changes nothing that the Klanten API
shows.

- identifiers: the klant's identification gives its bsn, rsin or vestigingsnummer identifier
  (updated in place, so its uuid stays; removed when the identification is); a KvK number it
  was validated with gives a kvk_nummer identifier; an anchor (K5) its bsn. An HR identifier
  that another klant of the organisation already holds is not made twice: the klant is shown
  as a contactpersoon of that organisatie partij (K5, ``werkte_voor_partij``), also when its
  own HR identifier changes to a key another klant holds (its row is removed; a row another
  identifier names as its ``subIdentificatorVan``, a protected reference, stays without a
  partij instead, :func:`_van_klant_af`). The unique
  index ``een_partij_per_hr_sleutel`` backs this up: a concurrent write that attached the key
  first makes this write's transaction run again (``transactions.RACE_CONSTRAINTS``), and
  then it ends as above;
- addresses: ``emailadres`` is the standaard e-mail address, ``telefoonnummer`` the standaard
  phone number (a changed address loses its ``verificatieDatum``; an emptied column removes
  the standaard address, or leaves it to the betrokkene that also gave it).

A klant whose partij rows the write holds (``klant.partij_rijen``, read with its lock, see
``klantpartij``) has them brought up to date with what is synchronised here: the rows of a kind
that is synchronised are read afresh (as always: the lock's read may predate a write that held
the lock before it) and replace those in hand, with the rows made and without those removed.
Before it changes the addresses in hand it tells them (``PartijRijen.voor_adreswijziging``):
a write that records their changes builds their representations before only then.
"""

from __future__ import annotations

from django.db.models import ProtectedError

from .constants import SleutelType, SubjectType
from .models import Klant
from .partijen import (
    CodeObjecttype,
    CodeRegister,
    CodeSoortObjectId,
    DigitaalAdres,
    PartijIdentificator,
    SoortDigitaalAdres,
    normaliseer_adres,
)

# identifier kind -> (register, objecttype)
SOORTEN = {
    CodeSoortObjectId.bsn: (CodeRegister.brp, CodeObjecttype.natuurlijk_persoon),
    CodeSoortObjectId.kvk_nummer: (CodeRegister.hr, CodeObjecttype.niet_natuurlijk_persoon),
    CodeSoortObjectId.rsin: (CodeRegister.hr, CodeObjecttype.niet_natuurlijk_persoon),
    CodeSoortObjectId.vestigingsnummer: (CodeRegister.hr, CodeObjecttype.vestiging),
}
# the identifier kind of each Klanten API identification, and its field
KLANTEN_SOORTEN = {
    SubjectType.natuurlijk_persoon: (CodeSoortObjectId.bsn, "inp_bsn"),
    SubjectType.niet_natuurlijk_persoon: (CodeSoortObjectId.rsin, "inn_nnp_id"),
    SubjectType.vestiging: (CodeSoortObjectId.vestigingsnummer, "vestigings_nummer"),
}
BEHEERD = (
    CodeSoortObjectId.bsn,
    CodeSoortObjectId.rsin,
    CodeSoortObjectId.vestigingsnummer,
)
# the evidence key type of an identifier kind
SLEUTEL_VOOR_SOORT = {
    CodeSoortObjectId.bsn: SleutelType.bsn,
    CodeSoortObjectId.kvk_nummer: SleutelType.kvk,
    CodeSoortObjectId.rsin: SleutelType.rsin,
    CodeSoortObjectId.vestigingsnummer: SleutelType.vestigingsnummer,
}
HR_SOORTEN = (
    CodeSoortObjectId.kvk_nummer,
    CodeSoortObjectId.rsin,
    CodeSoortObjectId.vestigingsnummer,
)


def synchroniseer(
    klant: Klant, *, nieuw: bool = False, nieuwe: list | None = None, voor: tuple | None = None
) -> None:
    """``nieuw``: the klant was just inserted, so it has no partij rows to look up yet; its
    new rows go to ``nieuwe`` when given (inserted later, in one statement with others).
    ``voor``: :func:`stand` of the klant before the write; what it shows unchanged is in
    sync already and is neither read nor written."""
    na = stand(klant)
    if voor is None or voor[0] != na[0] or _hr_gedeeld(klant):
        synchroniseer_identificatoren(klant, nieuw=nieuw, nieuwe=nieuwe)
    if voor is None or voor[1] != na[1]:
        synchroniseer_standaard(klant, SoortDigitaalAdres.email, na[1], nieuw=nieuw, nieuwe=nieuwe)
    if voor is None or voor[2] != na[2]:
        synchroniseer_standaard(
            klant, SoortDigitaalAdres.telefoonnummer, na[2], nieuw=nieuw, nieuwe=nieuwe
        )


def stand(klant: Klant) -> tuple:
    """What the partij rows of ``klant`` follow: its identifiers, its e-mail address and its
    phone number."""
    return (_gewenst(klant), klant.emailadres or "", klant.telefoonnummer or "")


def _hr_gedeeld(klant: Klant) -> bool:
    """Whether the klant may lack an HR identifier row because another klant held it (K5):
    then every write looks again, as that holder may be gone."""
    return klant.werkte_voor_partij_id is not None


def _gewenst(klant: Klant) -> dict[str, str]:
    gewenst: dict[str, str] = {}
    if klant.subject_type in KLANTEN_SOORTEN:
        soort, veld = KLANTEN_SOORTEN[klant.subject_type]
        identificatie = klant.subject_identificatie
        waarde = getattr(identificatie, veld, "") if identificatie is not None else ""
        if waarde:
            gewenst[soort] = waarde
    if klant.gevalideerd and klant.gevalideerde_sleutel_type == SleutelType.kvk:
        gewenst[CodeSoortObjectId.kvk_nummer] = klant.gevalideerde_sleutel
    if klant.anker and klant.gevalideerde_sleutel_type == SleutelType.bsn:
        gewenst.setdefault(CodeSoortObjectId.bsn, klant.gevalideerde_sleutel)
    return gewenst


def houder(bronorganisatie: str, soort: str, object_id: str, zonder: Klant | None = None):
    """The klant of the organisation that holds an HR identifier (K5: one organisatie partij
    per HR key), or None."""
    rijen = PartijIdentificator.objects.filter(
        bronorganisatie=bronorganisatie,
        code_soort_object_id=soort,
        object_id=object_id,
        klant__isnull=False,
    )
    if zonder is not None:
        rijen = rijen.exclude(klant=zonder)
    rij = rijen.order_by("pk").only("klant_id").first()
    return rij.klant_id if rij is not None else None


def synchroniseer_identificatoren(
    klant: Klant, *, nieuw: bool = False, nieuwe: list | None = None
) -> None:
    bestaand = (
        {}
        if nieuw
        else {
            rij.code_soort_object_id: rij
            for rij in PartijIdentificator.objects.filter(klant=klant).select_related(
                "sub_identificator_van"
            )
        }
    )
    gemaakt: list = []
    _synchroniseer_identificatoren(klant, bestaand, gemaakt, nieuwe)
    geladen = _geladen(klant)
    if geladen is not None:
        geladen.identificatoren = sorted([*bestaand.values(), *gemaakt], key=_volgorde)


def _synchroniseer_identificatoren(klant, bestaand: dict, gemaakt: list, nieuwe) -> None:
    gewenst = _gewenst(klant)
    for soort in (*BEHEERD, CodeSoortObjectId.kvk_nummer):
        rij = bestaand.get(soort)
        waarde = gewenst.get(soort)
        if waarde is None:
            if rij is not None and soort in BEHEERD:
                _van_klant_af(rij)
                del bestaand[soort]
            continue
        if rij is not None and rij.object_id == waarde:
            continue
        if soort in HR_SOORTEN:
            ander = houder(klant.bronorganisatie, soort, waarde, zonder=klant)
            if ander is not None:
                # K5: the key is another klant's; this klant works for it (its row of the
                # key it had is gone, as the key is)
                if rij is not None:
                    _van_klant_af(rij)
                    del bestaand[soort]
                if klant.werkte_voor_partij_id is None:
                    Klant.objects.filter(pk=klant.pk).update(werkte_voor_partij_id=ander)
                    klant.werkte_voor_partij_id = ander
                continue
        if rij is not None:
            rij.object_id = waarde
            rij.save(update_fields=["object_id"])
            continue
        register, objecttype = SOORTEN[soort]
        rij = PartijIdentificator(
            bronorganisatie=klant.bronorganisatie,
            klant=klant,
            code_register=register,
            code_objecttype=objecttype,
            code_soort_object_id=soort,
            object_id=waarde,
            geregistreerd_door=klant.geregistreerd_door,
        )
        _nieuw(rij, nieuwe)
        gemaakt.append(rij)


def _van_klant_af(rij: PartijIdentificator) -> None:
    """An identifier the klant no longer has (its key emptied, or held by another klant, K5):
    removed, unless another identifier names it as its ``subIdentificatorVan`` (a vestiging's
    of its organisation's RSIN; the reference is protected): then it stays, with its key and
    uuid, without a partij (as ``PUT /partij-identificatoren`` with ``identificeerdePartij:
    null`` leaves it), and the identifier pointing at it keeps its meaning. Either way it
    leaves the klant's partij, which the write records (K10).

    Only an HR key is kept so (no personal data). A BSN named so (a reference from before
    K5's rule, invalid by it), or a row naming itself, is not kept without its partij: the
    write rolls back, the reference is cleared first and the write runs again
    (:class:`partijherstel.HerstelNodig`, as a deletion does), then the row goes."""
    from .partijherstel import HerstelNodig

    try:
        rij.delete()  # the protection is checked before anything is deleted
    except ProtectedError as exc:
        if rij.code_soort_object_id not in HR_SOORTEN or any(
            verwijzer.pk == rij.pk for verwijzer in exc.protected_objects
        ):
            raise HerstelNodig([rij.pk]) from exc
        rij.klant = None
        rij.save(update_fields=["klant"])


def _nieuw(rij, nieuwe: list | None) -> None:
    if nieuwe is None:
        rij.save(force_insert=True)
    else:
        nieuwe.append(rij)


def _geladen(klant: Klant):
    """The klant's partij rows in hand (``klantpartij.PartijRijen``), or None."""
    return getattr(klant, "partij_rijen", None)


def _volgorde(rij) -> tuple:
    """pk order, rows not inserted yet last (their ids come later)."""
    return (rij.pk is None, rij.pk or 0)


def _van_partij_af(rij: DigitaalAdres) -> None:
    """A standaard address the klant no longer has: kept for the betrokkene that also gave
    it, else removed."""
    if rij.betrokkene_id is not None:
        rij.klant = None
        rij.is_standaard_adres = False
        rij.save(update_fields=["klant", "is_standaard_adres"])
    else:
        rij.delete()


def synchroniseer_standaard(
    klant: Klant, soort: str, waarde: str, *, nieuw: bool = False, nieuwe: list | None = None
) -> None:
    if nieuw and not waarde:
        return
    geladen = _geladen(klant)
    if nieuw:
        rijen = []
    elif geladen is not None:
        # in hand: read with the klant's lock, after it was held (``klantpartij.laad``), and
        # kept equal to the database by this write
        rijen = [r for r in geladen.adressen if r.soort_digitaal_adres == soort]
    else:
        rijen = list(DigitaalAdres.objects.filter(klant=klant, soort_digitaal_adres=soort))
    voor = list(rijen)
    if geladen is not None:
        # the addresses in hand change below (in place): their representations before first
        geladen.voor_adreswijziging(klant)
    _synchroniseer_standaard(klant, soort, waarde, rijen, nieuwe)
    if geladen is not None:
        anders = [r for r in geladen.adressen if r.soort_digitaal_adres != soort]
        geladen.adressen = sorted([*anders, *rijen], key=_volgorde)
        # one that left the partij and stays the betrokkene's (K10: recorded as changed)
        geladen.losgelaten.extend(
            r for r in voor if r not in rijen and r.pk is not None and r.klant_id is None
        )


def _synchroniseer_standaard(klant, soort: str, waarde: str, rijen: list, nieuwe) -> None:
    """Make ``rijen`` (the klant's addresses of ``soort``) follow ``waarde``; they stay the
    klant's rows of that kind (a new one added, one that left removed)."""
    standaard = next((r for r in rijen if r.is_standaard_adres), None)
    if not waarde:
        if standaard is not None:
            _van_partij_af(standaard)
            rijen.remove(standaard)
        return
    if standaard is not None and standaard.adres == waarde:
        return
    norm = normaliseer_adres(soort, waarde)
    zelfde = next((r for r in rijen if r.adres_genormaliseerd == norm), None)
    if zelfde is not None:
        if standaard is not None and standaard.pk != zelfde.pk:
            _van_partij_af(standaard)
            rijen.remove(standaard)
        zelfde.adres = waarde
        zelfde.is_standaard_adres = True
        zelfde.save(update_fields=["adres", "is_standaard_adres"])
        return
    if standaard is not None:
        standaard.adres = waarde
        standaard.adres_genormaliseerd = norm
        standaard.verificatie_datum = None  # K8: a changed address is no longer verified
        standaard.save(update_fields=["adres", "adres_genormaliseerd", "verificatie_datum"])
        return
    rij = DigitaalAdres(
        klant=klant,
        soort_digitaal_adres=soort,
        adres=waarde,
        adres_genormaliseerd=norm,
        is_standaard_adres=True,
        geregistreerd_door=klant.geregistreerd_door,
    )
    _nieuw(rij, nieuwe)
    rijen.append(rij)
