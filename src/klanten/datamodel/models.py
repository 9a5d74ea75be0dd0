"""Storage of klantgegevens.

A Klant row holds the contact data; the preferred address and the identification of the
base-registry subject (one of three kinds) are one-to-one rows keyed by the klant, so a list
page is a single query with left joins. The nested address groups of an identification
(``verblijfsadres``, ``subVerblijfBuitenland``) are never filtered on and are kept as JSON.
"""

import uuid as _uuid

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .assurance import niveau_naam
from .constants import (
    GeslachtsAanduiding,
    InteractieSoort,
    Middel,
    SleutelType,
    SoortRechtsvorm,
    SubjectType,
    ValidatieBron,
)
from .labels import verbose_name as veldnaam
from .partijen import SoortPartij


class Klant(models.Model):
    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(veldnaam("uuid"), unique=True, default=_uuid.uuid4, editable=False)
    bronorganisatie = models.CharField(
        veldnaam("bronorganisatie"),
        max_length=9,
        help_text="Het RSIN van de organisatie die de klant heeft aangemaakt: 9 cijfers die "
        "voldoen aan de elfproef.",
    )
    klantnummer = models.CharField(
        veldnaam("klantnummer"),
        max_length=8,
        help_text="De unieke identificatie van de klant binnen de bronorganisatie.",
    )
    bedrijfsnaam = models.CharField(veldnaam("bedrijfsnaam"), max_length=200, blank=True)
    functie = models.CharField(veldnaam("functie"), max_length=200, blank=True)
    website_url = models.URLField(
        veldnaam("website_url"),
        max_length=1000,
        blank=True,
        help_text="Het webadres waarop de klant op internet te vinden is.",
    )
    voornaam = models.CharField(
        veldnaam("voornaam"),
        max_length=200,
        blank=True,
        help_text="Voornaam, voorletters of roepnaam.",
    )
    voorvoegsel_achternaam = models.CharField(
        veldnaam("voorvoegsel_achternaam"), max_length=10, blank=True
    )
    achternaam = models.CharField(veldnaam("achternaam"), max_length=200, blank=True)
    telefoonnummer = models.CharField(
        veldnaam("telefoonnummer"),
        max_length=20,
        blank=True,
        help_text="Mobiel of vast.",
    )
    emailadres = models.EmailField(veldnaam("emailadres"), blank=True)
    subject = models.URLField(
        veldnaam("subject"),
        max_length=1000,
        blank=True,
        help_text="Het webadres van de persoon of organisatie in een basisregistratie.",
    )
    subject_type = models.CharField(
        veldnaam("subject_type"),
        max_length=100,
        choices=SubjectType.choices,
        null=True,
        blank=True,
        help_text="Natuurlijk persoon, niet-natuurlijk persoon of vestiging. Staat vast zodra het "
        "is gekozen.",
    )
    aanmaakkanaal = models.CharField(
        veldnaam("aanmaakkanaal"),
        max_length=50,
        blank=True,
        help_text="Het communicatiekanaal waarlangs de klant is aangemaakt.",
    )
    aangemaakt_op = models.DateTimeField(veldnaam("aangemaakt_op"), auto_now_add=True)
    gewijzigd_op = models.DateTimeField(veldnaam("gewijzigd_op"), auto_now=True)

    # --- validation (contract section 3) ---------------------------------------------------
    gevalideerd = models.BooleanField(
        veldnaam("gevalideerd"),
        default=False,
        help_text="De persoon of organisatie heeft ingelogd met een voldoende betrouwbaar "
        "middel (er is bewijs vastgelegd). Een gevalideerde klant blijft gevalideerd.",
    )
    gevalideerde_sleutel_type = models.CharField(
        veldnaam("gevalideerde_sleutel_type"),
        max_length=20,
        choices=SleutelType.choices,
        null=True,
        blank=True,
    )
    gevalideerde_sleutel = models.CharField(
        veldnaam("gevalideerde_sleutel"),
        max_length=24,
        null=True,
        blank=True,
        help_text="De geauthenticeerde identificatie (BSN, RSIN, KvK- of vestigingsnummer).",
    )
    registratie_rang = models.PositiveSmallIntegerField(
        veldnaam("registratie_rang"),
        null=True,
        blank=True,
        help_text="Het niveau van het bewijs waarmee de klant is gevalideerd.",
    )
    geregistreerd_door = models.UUIDField(
        veldnaam("geregistreerd_door"),
        null=True,
        blank=True,
        help_text="De applicatie die de klant registreerde; bepaalt wie een "
        "niet-gevalideerde klant mag zien.",
    )

    # --- the partij view of the Klantinteracties API (design K3-K5, K8) -----------------------
    # empty: derived from ``subject_type`` (natuurlijk persoon or none: persoon; niet-natuurlijk
    # persoon, vestiging: organisatie)
    soort_partij = models.CharField(max_length=20, choices=SoortPartij.choices, blank=True)
    indicatie_actief = models.BooleanField(default=True)
    indicatie_geheimhouding = models.BooleanField(null=True, blank=True)
    voorkeurstaal = models.CharField(max_length=3, blank=True)
    interne_notitie = models.CharField(max_length=1000, blank=True)
    bezoekadres = models.JSONField(null=True, blank=True)
    werkte_voor_partij = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contactpersonen",
        help_text="K5: de organisatie waarvoor deze klant als contactpersoon werkt.",
    )
    anker = models.BooleanField(
        default=False,
        help_text="K5: een onbevestigd anker: een niet-gevalideerde klant met een BSN, zonder "
        "eigen contactgegevens, aangemaakt nadat een medewerker de persoon in de BRP koos. "
        "De sleutel staat in gevalideerde_sleutel(_type); wordt gevalideerd (V5) wanneer een "
        "vertrouwde bron de persoon later aanmeldt.",
    )

    # --- retention (contract section 4) -----------------------------------------------------
    vernietigingsdatum = models.DateField(
        veldnaam("vernietigingsdatum"),
        null=True,
        blank=True,
        help_text="Vanaf deze datum wordt een niet-gevalideerde klant automatisch "
        "vernietigd (afgeleid van de interacties en de bewaartermijn); leeg voor een "
        "gevalideerde klant, die nooit automatisch wordt vernietigd.",
    )

    class Meta:
        verbose_name = "klant"
        verbose_name_plural = "klanten"
        constraints = [
            models.UniqueConstraint(
                fields=["bronorganisatie", "klantnummer"],
                name="klant_unieke_klantnummer_per_bronorganisatie",
            ),
            # V6: at most one validated klant per natural person per organisation
            models.UniqueConstraint(
                fields=["bronorganisatie", "gevalideerde_sleutel"],
                condition=Q(gevalideerd=True, gevalideerde_sleutel_type="bsn"),
                name="een_gevalideerde_klant_per_bsn",
            ),
            # K5: at most one unconfirmed anchor per BSN per organisation
            models.UniqueConstraint(
                fields=["bronorganisatie", "gevalideerde_sleutel"],
                condition=Q(anker=True, gevalideerde_sleutel_type="bsn"),
                name="een_anker_per_bsn",
            ),
            models.CheckConstraint(
                condition=Q(anker=False)
                | Q(
                    gevalideerd=False,
                    gevalideerde_sleutel_type__isnull=False,
                    gevalideerde_sleutel__isnull=False,
                ),
                name="anker_is_niet_gevalideerd_en_heeft_sleutel",
            ),
            # V1: a validated klant always carries the key it was validated for
            models.CheckConstraint(
                condition=Q(gevalideerd=False)
                | Q(gevalideerde_sleutel_type__isnull=False, gevalideerde_sleutel__isnull=False),
                name="gevalideerde_klant_heeft_sleutel",
            ),
        ]
        indexes = [
            # (filter column, id): filtered list pages come out of the index already ordered
            models.Index(fields=["subject_type", "id"], name="klant_subject_type_idx"),
            models.Index(fields=["klantnummer", "id"], name="klant_klantnummer_id_idx"),
            models.Index(fields=["bedrijfsnaam", "id"], name="klant_bedrijfsnaam_id_idx"),
            models.Index(fields=["functie", "id"], name="klant_functie_id_idx"),
            models.Index(fields=["achternaam", "id"], name="klant_achternaam_id_idx"),
            models.Index(fields=["telefoonnummer", "id"], name="klant_telefoonnummer_id_idx"),
            models.Index(fields=["emailadres", "id"], name="klant_emailadres_id_idx"),
            models.Index(fields=["subject", "id"], name="klant_subject_id_idx"),
            models.Index(
                fields=["gevalideerde_sleutel_type", "gevalideerde_sleutel"],
                condition=Q(gevalideerd=True),
                name="klant_klantbeeld_idx",
            ),
            models.Index(fields=["geregistreerd_door", "id"], name="klant_geregistreerd_door_idx"),
            # R2: the daily destruction task finds what is due without reading the rest
            models.Index(
                fields=["vernietigingsdatum", "id"],
                condition=Q(gevalideerd=False, vernietigingsdatum__isnull=False),
                name="klant_te_vernietigen_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.unique_representation()

    def unique_representation(self) -> str:
        return f"{self.bronorganisatie} - {self.klantnummer}"

    @property
    def subject_identificatie(self):
        """The identification row matching ``subject_type``, or None."""
        attr = IDENTIFICATIE_ATTR.get(self.subject_type)
        if attr is None:
            return None
        return getattr(self, attr, None)


class KlantAdres(models.Model):
    klant = models.OneToOneField(
        Klant, on_delete=models.CASCADE, primary_key=True, related_name="adres"
    )
    straatnaam = models.CharField(veldnaam("straatnaam"), max_length=100, blank=True)
    huisnummer = models.IntegerField(
        veldnaam("huisnummer"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(99999)],
    )
    huisletter = models.CharField(veldnaam("huisletter"), max_length=1, blank=True)
    huisnummertoevoeging = models.CharField(
        veldnaam("huisnummertoevoeging"), max_length=4, blank=True
    )
    postcode = models.CharField(veldnaam("postcode"), max_length=7, blank=True)
    woonplaats_naam = models.CharField(veldnaam("woonplaats_naam"), max_length=80, blank=True)
    landcode = models.CharField(
        veldnaam("landcode"),
        max_length=4,
        blank=True,
        help_text="De code, behorende bij de landnaam, zoals opgenomen in de Land/Gebied-tabel "
        "van de BRP.",
    )
    # Klantinteracties' correspondentieadres fields that the Klanten API does not show
    nummeraanduiding_id = models.CharField(max_length=16, blank=True)
    adresregel1 = models.CharField(max_length=80, blank=True)
    adresregel2 = models.CharField(max_length=80, blank=True)
    adresregel3 = models.CharField(max_length=80, blank=True)
    # Klantinteracties' ``land`` (ISO 3166 alpha-2) when it has no BRP code in the table the
    # conversion knows (``partijrepresentatie.ISO_NAAR_BRP``), so a country a client gave is
    # not lost; blank whenever ``landcode`` says the country (docs/klantinteracties.md)
    land = models.CharField(
        "land (ISO 3166)",
        max_length=2,
        blank=True,
        help_text="De ISO 3166-code van het land zoals de Klantinteracties-API die kreeg, "
        "wanneer er geen BRP-landcode voor bekend is.",
    )

    class Meta:
        verbose_name = "adres"
        verbose_name_plural = "adressen"
        indexes = [
            models.Index(fields=["straatnaam", "klant"], name="klantadres_straatnaam_k_idx"),
            models.Index(fields=["postcode", "klant"], name="klantadres_postcode_k_idx"),
            models.Index(fields=["woonplaats_naam", "klant"], name="klantadres_woonplaats_k_idx"),
            models.Index(fields=["landcode", "klant"], name="klantadres_landcode_k_idx"),
            # the Klantinteracties country filter finds either column (``landcode`` or
            # ``land``, klantinteracties.filters.PartijFilter.filter_land): an index on each
            models.Index(fields=["land", "klant"], name="klantadres_land_k_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.straatnaam} {self.huisnummer or ''}".strip()


class NatuurlijkPersoon(models.Model):
    klant = models.OneToOneField(
        Klant, on_delete=models.CASCADE, primary_key=True, related_name="natuurlijk_persoon"
    )
    inp_bsn = models.CharField(
        veldnaam("inp_bsn"),
        max_length=9,
        blank=True,
        help_text="Het burgerservicenummer, bedoeld in artikel 1.1 van de Wet algemene "
        "bepalingen burgerservicenummer.",
    )
    anp_identificatie = models.CharField(
        veldnaam("anp_identificatie"),
        max_length=17,
        blank=True,
        help_text="Het door de gemeente uitgegeven unieke nummer van een ander natuurlijk "
        "persoon (iemand zonder BSN).",
    )
    inp_a_nummer = models.CharField(
        veldnaam("inp_a_nummer"),
        max_length=10,
        blank=True,
        help_text="Het administratienummer van de persoon, bedoeld in de Wet BRP.",
    )
    geslachtsnaam = models.CharField(veldnaam("geslachtsnaam"), max_length=200, blank=True)
    voorvoegsel_geslachtsnaam = models.CharField(
        veldnaam("voorvoegsel_geslachtsnaam"), max_length=80, blank=True
    )
    voorletters = models.CharField(veldnaam("voorletters"), max_length=20, blank=True)
    voornamen = models.CharField(veldnaam("voornamen"), max_length=200, blank=True)
    geslachtsaanduiding = models.CharField(
        veldnaam("geslachtsaanduiding"),
        max_length=1,
        choices=GeslachtsAanduiding.choices,
        blank=True,
    )
    geboortedatum = models.CharField(veldnaam("geboortedatum"), max_length=18, blank=True)
    verblijfsadres = models.JSONField(veldnaam("verblijfsadres"), null=True, blank=True)
    sub_verblijf_buitenland = models.JSONField(
        veldnaam("sub_verblijf_buitenland"), null=True, blank=True
    )

    class Meta:
        verbose_name = "natuurlijk persoon"
        verbose_name_plural = "natuurlijke personen"
        indexes = [
            models.Index(fields=["inp_bsn"], name="np_inp_bsn_idx"),
            models.Index(fields=["anp_identificatie"], name="np_anp_identificatie_idx"),
            models.Index(fields=["inp_a_nummer"], name="np_inp_a_nummer_idx"),
        ]


class NietNatuurlijkPersoon(models.Model):
    klant = models.OneToOneField(
        Klant, on_delete=models.CASCADE, primary_key=True, related_name="niet_natuurlijk_persoon"
    )
    inn_nnp_id = models.CharField(
        veldnaam("inn_nnp_id"),
        max_length=9,
        blank=True,
        help_text="Het RSIN van de ingeschreven niet-natuurlijk persoon.",
    )
    ann_identificatie = models.CharField(
        veldnaam("ann_identificatie"),
        max_length=17,
        blank=True,
        help_text="Het door de gemeente uitgegeven unieke nummer van een ander "
        "niet-natuurlijk persoon.",
    )
    statutaire_naam = models.CharField(veldnaam("statutaire_naam"), max_length=500, blank=True)
    inn_rechtsvorm = models.CharField(
        veldnaam("inn_rechtsvorm"), max_length=50, choices=SoortRechtsvorm.choices, blank=True
    )
    bezoekadres = models.CharField(veldnaam("bezoekadres"), max_length=1000, blank=True)
    sub_verblijf_buitenland = models.JSONField(
        veldnaam("sub_verblijf_buitenland"), null=True, blank=True
    )

    class Meta:
        verbose_name = "niet-natuurlijk persoon"
        verbose_name_plural = "niet-natuurlijke personen"
        indexes = [
            models.Index(fields=["inn_nnp_id"], name="nnp_inn_nnp_id_idx"),
            models.Index(fields=["ann_identificatie"], name="nnp_ann_identificatie_idx"),
        ]


class Vestiging(models.Model):
    klant = models.OneToOneField(
        Klant, on_delete=models.CASCADE, primary_key=True, related_name="vestiging"
    )
    vestigings_nummer = models.CharField(
        veldnaam("vestigings_nummer"),
        max_length=24,
        blank=True,
        help_text="Het vestigingsnummer uit het Handelsregister (12 cijfers).",
    )
    handelsnaam = ArrayField(
        models.CharField(max_length=625),
        verbose_name=veldnaam("handelsnaam"),
        default=list,
        blank=True,
    )
    verblijfsadres = models.JSONField(veldnaam("verblijfsadres"), null=True, blank=True)
    sub_verblijf_buitenland = models.JSONField(
        veldnaam("sub_verblijf_buitenland"), null=True, blank=True
    )

    class Meta:
        verbose_name = "vestiging"
        verbose_name_plural = "vestigingen"
        indexes = [
            models.Index(fields=["vestigings_nummer"], name="vestiging_nummer_idx"),
        ]


class KlantnummerTeller(models.Model):
    """The last generated klantnummer per bronorganisatie.

    Incremented with a single UPSERT, so concurrent creates serialize on this one row and
    never hand out the same number.
    """

    bronorganisatie = models.CharField(max_length=9, primary_key=True)
    laatste = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "klantnummerteller"


IDENTIFICATIE_ATTR = {
    SubjectType.natuurlijk_persoon: "natuurlijk_persoon",
    SubjectType.niet_natuurlijk_persoon: "niet_natuurlijk_persoon",
    SubjectType.vestiging: "vestiging",
}
IDENTIFICATIE_MODEL = {
    SubjectType.natuurlijk_persoon: NatuurlijkPersoon,
    SubjectType.niet_natuurlijk_persoon: NietNatuurlijkPersoon,
    SubjectType.vestiging: Vestiging,
}


class Validatie(models.Model):
    """V3: an evidence record. Append-only: a database trigger refuses any UPDATE."""

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(veldnaam("uuid"), unique=True, default=_uuid.uuid4, editable=False)
    klant = models.ForeignKey(Klant, on_delete=models.CASCADE, related_name="validaties")
    gevalideerd_op = models.DateTimeField(
        veldnaam("gevalideerd_op"), help_text="Servertijd van de validatie."
    )
    authenticatie_moment = models.DateTimeField(veldnaam("authenticatie_moment"))
    middel = models.CharField(veldnaam("middel"), max_length=50, choices=Middel.choices)
    betrouwbaarheidsniveau = models.CharField(
        veldnaam("betrouwbaarheidsniveau"),
        max_length=200,
        help_text="Het niveau zoals het inlogmiddel het opgaf.",
    )
    rang = models.PositiveSmallIntegerField(
        veldnaam("rang"), help_text="De afgeleide rang op de schaal van 0 tot en met 4."
    )
    uitgever = models.CharField(
        veldnaam("uitgever"), max_length=500, help_text="Uitgever van het bewijs."
    )
    bron = models.CharField(veldnaam("bron"), max_length=20, choices=ValidatieBron.choices)
    geauthenticeerde_type = models.CharField(
        veldnaam("geauthenticeerde_type"), max_length=20, choices=SleutelType.choices
    )
    geauthenticeerde_identificatie = models.CharField(
        veldnaam("geauthenticeerde_identificatie"), max_length=24
    )
    vertegenwoordigde_type = models.CharField(
        veldnaam("vertegenwoordigde_type"), max_length=20, choices=SleutelType.choices, blank=True
    )
    vertegenwoordigde_identificatie = models.CharField(
        veldnaam("vertegenwoordigde_identificatie"), max_length=24, blank=True
    )
    machtiging = models.CharField(veldnaam("machtiging"), max_length=200, blank=True)
    applicatie_id = models.CharField(veldnaam("applicatie_id"), max_length=100, blank=True)
    applicatie_weergave = models.CharField(
        veldnaam("applicatie_weergave"), max_length=200, blank=True
    )
    medewerker_id = models.CharField(veldnaam("medewerker_id"), max_length=255, blank=True)
    medewerker_weergave = models.CharField(
        veldnaam("medewerker_weergave"), max_length=255, blank=True
    )
    gegevens_bevestigd = models.BooleanField(veldnaam("gegevens_bevestigd"), default=False)

    class Meta:
        verbose_name = "validatie"
        verbose_name_plural = "validaties"
        ordering = ("id",)

    def __str__(self) -> str:
        moment = timezone.localtime(self.gevalideerd_op)
        return f"{niveau_naam(self.rang, self.middel)} op {moment:%d-%m-%Y}"


class Interactie(models.Model):
    """E2: a contactmoment, verzoek or zaak in whose context the klant took part."""

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(veldnaam("uuid"), unique=True, default=_uuid.uuid4, editable=False)
    klant = models.ForeignKey(
        Klant,
        on_delete=models.CASCADE,
        related_name="interacties",
        db_index=False,  # interactie_uniek_per_klant_url_rol (klant, url, rol) serves it
    )
    soort = models.CharField(veldnaam("soort"), max_length=20, choices=InteractieSoort.choices)
    url = models.URLField(veldnaam("url"), max_length=1000)
    rol = models.CharField(veldnaam("rol"), max_length=50)
    vernietigingsdatum = models.DateField(veldnaam("vernietigingsdatum"), null=True, blank=True)
    aangemaakt_op = models.DateTimeField(veldnaam("aangemaakt_op"), auto_now_add=True)

    class Meta:
        verbose_name = "interactie"
        verbose_name_plural = "interacties"
        ordering = ("id",)
        constraints = [
            models.UniqueConstraint(
                fields=["klant", "url", "rol"], name="interactie_uniek_per_klant_url_rol"
            )
        ]

    def __str__(self) -> str:
        return f"{self.soort} ({self.rol})"


class KlantbeeldVerzoek(models.Model):
    """E3: who asked for which klantbeeld, when. The subject is kept as a keyed pseudonym."""

    id = models.BigAutoField(primary_key=True)
    aangemaakt_op = models.DateTimeField(auto_now_add=True, db_index=True)
    applicatie_id = models.CharField(max_length=100, blank=True)
    applicatie_weergave = models.CharField(max_length=200, blank=True)
    gebruiker_id = models.CharField(max_length=255, blank=True)
    subject_type = models.CharField(max_length=100, choices=SubjectType.choices)
    subject_pseudoniem = models.CharField(max_length=64, db_index=True)
    aantal_klanten = models.PositiveIntegerField()

    class Meta:
        verbose_name = "klantbeeldverzoek"
        verbose_name_plural = "klantbeeldverzoeken"

    def __str__(self) -> str:
        return f"{self.applicatie_weergave} {self.aangemaakt_op:%Y-%m-%d %H:%M}"


class Bevestigingsverzoek(models.Model):
    """E4: a one-time, expiring confirmation link. Only a hash of the token is stored."""

    id = models.BigAutoField(primary_key=True)
    klant = models.ForeignKey(Klant, on_delete=models.CASCADE, related_name="bevestigingsverzoeken")
    token_hash = models.CharField(max_length=64, unique=True)
    aangemaakt_op = models.DateTimeField(auto_now_add=True)
    verloopt_op = models.DateTimeField()
    gebruikt_op = models.DateTimeField(null=True, blank=True)
    applicatie_id = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = "bevestigingsverzoek"
        verbose_name_plural = "bevestigingsverzoeken"

    def __str__(self) -> str:
        return f"bevestigingsverzoek {self.pk}"


# the "no registering application" key of the klant counter
GEEN_APPLICATIE = _uuid.UUID(int=0)


class KlantTeller(models.Model):
    """An exact count of klanten per (gevalideerd, registering application), spread over a few
    shard rows so concurrent writes do not queue on one row. Maintained by statement-level
    database triggers (migration 0006), so an unfiltered list page never counts a million rows:
    its ``count`` is the sum of a handful of rows."""

    id = models.BigAutoField(primary_key=True)
    gevalideerd = models.BooleanField()
    geregistreerd_door = models.UUIDField(default=GEEN_APPLICATIE)
    shard = models.PositiveSmallIntegerField()
    aantal = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "klantteller"
        constraints = [
            models.UniqueConstraint(
                fields=["gevalideerd", "geregistreerd_door", "shard"], name="klantteller_uniek"
            )
        ]

    def __str__(self) -> str:
        return f"{self.gevalideerd}/{self.geregistreerd_door}: {self.aantal}"


# The tables of the Contactmomenten and Klantinteracties APIs belong to this app too.
from .klantcontacten import (  # noqa: E402, F401
    Actor,
    ActorKlantcontact,
    Betrokkene,
    Contactmoment,
    InterneTaak,
    Klantcontact,
    Onderwerpobject,
)
from .partijen import DigitaalAdres, PartijIdentificator  # noqa: E402, F401
