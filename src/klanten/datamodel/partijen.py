"""The partij side of the store (design K3, K5, K8): typed subject identifiers and digital
addresses, shared by the Klanten API and the Klantinteracties API.

A partij of soort persoon or organisatie **is** a ``Klant`` (same uuid). Its identifiers are
``PartijIdentificator`` rows; the Klanten API's ``subjectIdentificatie`` keys (``inpBsn``,
``innNnpId``, ``vestigingsNummer``) are kept equal to them by the services. Its e-mail
addresses and phone numbers are ``DigitaalAdres`` rows; the Klanten API's ``emailadres`` and
``telefoonnummer`` are the standaard address of each kind, kept in the klant's own columns by
the services so the Klanten API reads stay one row.

Models refer to ``Klant`` by name so this module never imports ``models``.
"""

import re
import uuid as _uuid

from django.db import models
from django.db.models import Q


class CodeRegister(models.TextChoices):
    brp = "brp", "BRP"
    hr = "hr", "Handelsregister"


class CodeObjecttype(models.TextChoices):
    natuurlijk_persoon = "natuurlijk_persoon", "Natuurlijk persoon"
    niet_natuurlijk_persoon = "niet_natuurlijk_persoon", "Niet-natuurlijk persoon"
    vestiging = "vestiging", "Vestiging"


class CodeSoortObjectId(models.TextChoices):
    bsn = "bsn", "Burgerservicenummer"
    vestigingsnummer = "vestigingsnummer", "Vestigingsnummer"
    kvk_nummer = "kvk_nummer", "KvK-nummer"
    rsin = "rsin", "RSIN"


class SoortDigitaalAdres(models.TextChoices):
    email = "email", "E-mailadres"
    telefoonnummer = "telefoonnummer", "Telefoonnummer"
    overig = "overig", "Overig"


class SoortPartij(models.TextChoices):
    persoon = "persoon", "Persoon"
    organisatie = "organisatie", "Organisatie"
    contactpersoon = "contactpersoon", "Contactpersoon"


def normaliseer_adres(soort: str, adres: str) -> str:
    """K8: the form in which two addresses of one kind are "the same address": e-mail
    lower-cased, phone numbers reduced to digits and ``+``, other kinds trimmed. The data
    migration ``0010`` does the same in SQL."""
    adres = adres.strip()
    if soort == SoortDigitaalAdres.email:
        return adres.lower()
    if soort == SoortDigitaalAdres.telefoonnummer:
        return re.sub(r"[^0-9+]", "", adres)
    return adres


# the unique index of K5's organisations: one partij per HR key per organisation
HR_SLEUTEL_CONSTRAINT = "een_partij_per_hr_sleutel"


class PartijIdentificator(models.Model):
    """An identifier of a partij in a base registry (BRP or HR).

    ``klant`` may be empty: Klantinteracties clients create identifiers first and attach them
    later (KISS). ``bronorganisatie`` scopes uniqueness to one organisation, as everything else
    here (Open Klant's is global).
    """

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(unique=True, default=_uuid.uuid4, editable=False)
    bronorganisatie = models.CharField(max_length=9)
    klant = models.ForeignKey(
        "datamodel.Klant",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="partij_identificatoren",
        # looked up through partijidentificator_een_per_soort (klant, soort): its leading
        # column, and klant_id = $1 / ANY($1) implies its "klant IS NOT NULL"
        db_index=False,
    )
    code_register = models.CharField(max_length=10, choices=CodeRegister.choices)
    code_objecttype = models.CharField(max_length=30, choices=CodeObjecttype.choices)
    code_soort_object_id = models.CharField(max_length=20, choices=CodeSoortObjectId.choices)
    object_id = models.CharField(max_length=200)
    sub_identificator_van = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sub_identificatoren",
    )
    andere_partij_identificator = models.CharField(max_length=200, blank=True)
    geregistreerd_door = models.UUIDField(null=True, blank=True)
    aangemaakt_op = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "partij-identificator"
        verbose_name_plural = "partij-identificatoren"
        constraints = [
            # a partij has at most one identifier of each kind
            models.UniqueConstraint(
                fields=["klant", "code_soort_object_id"],
                condition=Q(klant__isnull=False),
                name="partijidentificator_een_per_soort",
            ),
            # K5: one partij per HR key per organisation (decides the race of two writes
            # that both passed the query check ``partijsync.houder``)
            models.UniqueConstraint(
                fields=["bronorganisatie", "code_soort_object_id", "object_id"],
                condition=Q(
                    klant__isnull=False,
                    code_soort_object_id__in=["kvk_nummer", "rsin", "vestigingsnummer"],
                ),
                name=HR_SLEUTEL_CONSTRAINT,
            ),
        ]
        indexes = [
            models.Index(
                fields=["object_id", "code_soort_object_id", "bronorganisatie"],
                name="partijidentificator_zoek_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_code_soort_object_id_display()} {self.object_id}"


class DigitaalAdres(models.Model):
    """An e-mail address, phone number or other digital address, given by a partij
    (``klant``) or by a betrokkene in one klantcontact (``betrokkene``), or by both (Open
    Forms' "new preferred" address). A row that loses both is removed by the services."""

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(unique=True, default=_uuid.uuid4, editable=False)
    klant = models.ForeignKey(
        "datamodel.Klant",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="digitale_adressen",
        db_index=False,  # digitaaladres_klant_idx (klant, id) serves it
    )
    betrokkene = models.ForeignKey(
        "datamodel.Betrokkene",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="digitale_adressen",
        db_index=False,  # digitaaladres_betrokkene_idx (betrokkene, id) serves it
    )
    soort_digitaal_adres = models.CharField(max_length=20, choices=SoortDigitaalAdres.choices)
    # 254: a Klanten API emailadres; Klantinteracties writes are limited to 80
    adres = models.CharField(max_length=254)
    # the address compared for "the same address once per partij and kind" (K8): lower-case
    # e-mail, phone digits with a leading +
    adres_genormaliseerd = models.CharField(max_length=254)
    is_standaard_adres = models.BooleanField(default=False)
    omschrijving = models.CharField(max_length=40, blank=True)
    referentie = models.CharField(max_length=50, blank=True)
    verificatie_datum = models.DateField(null=True, blank=True)
    geregistreerd_door = models.UUIDField(null=True, blank=True)
    aangemaakt_op = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "digitaal adres"
        verbose_name_plural = "digitale adressen"
        constraints = [
            models.UniqueConstraint(
                fields=["klant", "soort_digitaal_adres"],
                condition=Q(klant__isnull=False, is_standaard_adres=True),
                name="digitaaladres_een_standaard_per_soort",
            ),
            models.UniqueConstraint(
                fields=["klant", "soort_digitaal_adres", "adres_genormaliseerd"],
                condition=Q(klant__isnull=False),
                name="digitaaladres_uniek_per_partij",
            ),
            models.CheckConstraint(
                condition=Q(is_standaard_adres=False) | Q(klant__isnull=False),
                name="digitaaladres_standaard_heeft_partij",
            ),
        ]
        indexes = [
            models.Index(fields=["adres_genormaliseerd", "id"], name="digitaaladres_adres_idx"),
            models.Index(fields=["betrokkene", "id"], name="digitaaladres_betrokkene_idx"),
            models.Index(fields=["klant", "id"], name="digitaaladres_klant_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_soort_digitaal_adres_display()}"
