from django.core.validators import MaxValueValidator
from django.db import models
from vng_api_common.authorizations.models import Applicatie

from klanten.datamodel.constants import Middel


class APIClientApplicatie(Applicatie):
    """Admin entry point for API clients: an Applicatie with its secret and Klanten scopes."""

    class Meta:
        proxy = True
        verbose_name = "API-client"
        verbose_name_plural = "API-clients"


class VertrouwdeUitgever(models.Model):
    """V4: an OpenID Connect issuer (DigiD/eHerkenning broker) whose signed ID tokens are
    accepted as evidence. Tokens are verified against its JWKS."""

    naam = models.CharField(max_length=100)
    issuer = models.CharField(
        max_length=500,
        unique=True,
        help_text="De uitgever zoals de ID tokens die noemen (claim iss).",
    )
    jwks_url = models.URLField(
        max_length=1000,
        help_text="Het adres van de sleutels van de uitgever (JSON Web Key Set). Opgehaald als "
        "elke uitgaande aanvraag: doorverwijzingen alleen binnen dezelfde host, en een intern "
        "adres (bv. een Keycloak in het cluster) alleen als de URL onder de API-root van een "
        "geconfigureerde service valt.",
    )
    audience = models.CharField(
        max_length=500, help_text="De client-ID van Klanten bij deze uitgever (claim aud)."
    )
    middel = models.CharField(max_length=50, choices=Middel.choices)
    niveau_claim = models.CharField(
        max_length=100, default="acr", help_text="Claim met het betrouwbaarheidsniveau."
    )
    bsn_claim = models.CharField(max_length=100, default="bsn", blank=True)
    kvk_claim = models.CharField(max_length=100, default="kvk", blank=True)
    vestigingsnummer_claim = models.CharField(max_length=100, blank=True)
    vertegenwoordigde_claim = models.CharField(
        max_length=100, blank=True, help_text="Claim met de BSN van wie wordt vertegenwoordigd."
    )
    machtiging_claim = models.CharField(
        max_length=100, blank=True, help_text="Claim met de machtiging (dienst, soort)."
    )
    aliassen = models.JSONField(
        default=dict,
        blank=True,
        help_text='Eigen niveauwaarden van deze uitgever, bv. {"loa3": '
        '"urn:etoegang:core:assurance-class:loa3"}.',
    )
    actief = models.BooleanField(default=True)

    class Meta:
        verbose_name = "vertrouwde uitgever"
        verbose_name_plural = "vertrouwde uitgevers"

    def __str__(self) -> str:
        return self.naam

    def clean(self):
        from klanten.datamodel.assurance import validate_aliases

        validate_aliases(self.aliassen or {})


class ValidatieRecht(models.Model):
    """V4: the highest assurance rank an application may assert itself
    (with scope ``klanten.valideren``)."""

    applicatie = models.OneToOneField(
        Applicatie, on_delete=models.CASCADE, related_name="validatierecht"
    )
    maximale_rang = models.PositiveSmallIntegerField(
        validators=[MaxValueValidator(4)],
        help_text="0-4 op de schaal van betrouwbaarheidsniveaus (2 = DigiD Midden).",
    )
    # K4: Klantinteracties clients send no assurance level; a client that only lets signed-in
    # persons create a partij (Open Forms, Open Inwoner) may be configured as a trusted
    # asserter: a partij it creates or finds with a BSN or KvK number is validated with
    # evidence of this client at ``maximale_rang`` (unless it sends X-Authenticatie-Context)
    vertrouwde_bron_klantinteracties = models.BooleanField(
        "vertrouwde bron (Klantinteracties)",
        default=False,
        help_text="Partijen die deze client in de Klantinteracties API met een BSN of "
        "KvK-nummer aanmaakt of opzoekt, gelden als gevalideerd op de maximale rang (de client "
        "laat alleen ingelogde personen een partij aanmaken). Nooit voor KISS.",
    )

    class Meta:
        verbose_name = "validatierecht"
        verbose_name_plural = "validatierechten"

    def __str__(self) -> str:
        return f"{self.applicatie.label}: rang {self.maximale_rang}"


class APIToken(models.Model):
    """K2: a key with which an API client calls the Klantinteracties API as
    ``Authorization: Token <key>`` (what Open Forms, KISS and Open Inwoner send).

    Only a SHA-256 hash of the key is stored: the key is shown once, when it is made or
    rotated (``klanten.config.tokens``). A client may hold several keys (rotation without
    downtime); an inactive key is refused."""

    applicatie = models.ForeignKey(Applicatie, on_delete=models.CASCADE, related_name="tokens")
    sleutel_hash = models.CharField(max_length=64, unique=True, editable=False)
    # the first characters of the key, to recognise it in the admin (not enough to use it)
    voorvoegsel = models.CharField(max_length=8, editable=False)
    omschrijving = models.CharField(max_length=200, blank=True)
    actief = models.BooleanField(default=True)
    aangemaakt_op = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "API-token"
        verbose_name_plural = "API-tokens"

    def __str__(self) -> str:
        return f"{self.voorvoegsel}… ({self.applicatie.label})"
