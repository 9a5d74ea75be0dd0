"""The store behind the Contactmomenten API 1.0.0 and the Klantinteracties API (design K3).

One set of tables, two wire contracts:

============================  ===========================  ===============================
table                         Contactmomenten API 1.0.0    Klantinteracties (Open Klant 0.9)
============================  ===========================  ===============================
``Klantcontact``              contactmoment                klantcontact
``Betrokkene``                klantcontactmoment           betrokkene
``Onderwerpobject``           objectcontactmoment          onderwerpobject
``Actor`` (+ link table)      medewerker(Identificatie)    actor, actorklantcontact
``InterneTaak``               -                            internetaak
============================  ===========================  ===============================

The same uuid identifies a row under both APIs. Columns that only one API knows are kept
here too, so each API reads back exactly what it wrote (``voorkeurskanaal``,
``initiatiefnemer``, ``onderwerp_links``, ``medewerker_url`` and ``vorig_klantcontact`` for
Contactmomenten; ``onderwerp``, ``reactie``, ``metadata`` ... for Klantinteracties).

A ``Betrokkene`` whose ``klant`` is a klant of this service is the same fact as an E2
interaction of that klant (``/klanten/{uuid}/interacties``): the interactions of a klant are
its ``Interactie`` rows (verzoeken, zaken, contactmomenten elsewhere) plus its betrokkenen.

Models refer to ``Klant`` by name so this module never imports ``models`` (which imports this
module at its end, making these part of the ``datamodel`` app).
"""

import uuid as _uuid

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Initiatiefnemer(models.TextChoices):
    gemeente = "gemeente", "Gemeente"
    klant = "klant", "Klant"


class KlantcontactmomentRol(models.TextChoices):
    """The Contactmomenten API's role of a klant in a contactmoment."""

    belanghebbende = "belanghebbende", "Belanghebbende"
    gesprekspartner = "gesprekspartner", "Gesprekspartner"


class BetrokkeneRol(models.TextChoices):
    """The Klantinteracties API's role of a betrokkene."""

    klant = "klant", "Klant"
    vertegenwoordiger = "vertegenwoordiger", "Vertegenwoordiger"


# a Contactmomenten role and the Klantinteracties role of the same betrokkene (docs/store.md)
ROL_VOOR_CONTACTMOMENT_ROL = {
    KlantcontactmomentRol.belanghebbende: BetrokkeneRol.klant,
    KlantcontactmomentRol.gesprekspartner: BetrokkeneRol.vertegenwoordiger,
}
CONTACTMOMENT_ROL_VOOR_ROL = {rol: cm for cm, rol in ROL_VOOR_CONTACTMOMENT_ROL.items()}
# the betrokkenen that are klantcontactmomenten: with a klant here or elsewhere
IS_KLANTCONTACTMOMENT = Q(klant__isnull=False) | ~Q(klant_url="")


def contactmoment_rol(betrokkene_rol: str, klantcontactmoment_rol: str) -> str:
    """The Contactmomenten role of a betrokkene: its own, else derived from the
    Klantinteracties role."""
    return klantcontactmoment_rol or CONTACTMOMENT_ROL_VOOR_ROL.get(betrokkene_rol, "")


def met_contactmoment_rol(rol: str, prefix: str = "") -> Q:
    """The betrokkenen whose Contactmomenten role is ``rol`` (stored or derived)."""
    return Q(**{f"{prefix}klantcontactmoment_rol": rol}) | Q(
        **{
            f"{prefix}klantcontactmoment_rol": "",
            f"{prefix}rol": ROL_VOOR_CONTACTMOMENT_ROL[rol],
        }
    )


class ObjectType(models.TextChoices):
    """The Contactmomenten API's kinds of object of an objectcontactmoment."""

    zaak = "zaak", "Zaak"


class SoortActor(models.TextChoices):
    medewerker = "medewerker", "Medewerker"
    geautomatiseerde_actor = "geautomatiseerde_actor", "Geautomatiseerde actor"
    organisatorische_eenheid = "organisatorische_eenheid", "Organisatorische eenheid"


class InterneTaakStatus(models.TextChoices):
    te_verwerken = "te_verwerken", "Te verwerken"
    verwerkt = "verwerkt", "Verwerkt"


class Klantcontact(models.Model):
    """A contact between the municipality and one or more people: a contactmoment."""

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(unique=True, default=_uuid.uuid4, editable=False)
    bronorganisatie = models.CharField(
        max_length=9,
        blank=True,
        help_text="Het RSIN van de organisatie die het contactmoment registreerde.",
    )
    nummer = models.CharField(max_length=10, blank=True)
    referentienummer = models.CharField(max_length=10, blank=True)
    kanaal = models.CharField(max_length=50, blank=True)
    voorkeurskanaal = models.CharField(max_length=50, blank=True)
    onderwerp = models.CharField(max_length=200, blank=True)
    # Contactmomenten: ``tekst`` (no maximum); Klantinteracties: ``inhoud`` (at most 1000 on
    # its own writes)
    inhoud = models.TextField(blank=True)
    reactie = models.TextField(blank=True)
    # Contactmomenten: ``voorkeurstaal``; Klantinteracties: ``taal``
    taal = models.CharField(max_length=3, blank=True)
    vertrouwelijk = models.BooleanField(default=False)
    indicatie_contact_gelukt = models.BooleanField(null=True, blank=True)
    verdere_actie_ondernomen = models.BooleanField(default=False)
    hoofd_onderwerp_type = models.URLField(max_length=200, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # Contactmomenten: ``registratiedatum``; Klantinteracties: ``plaatsgevondenOp``
    plaatsgevonden_op = models.DateTimeField(default=timezone.now)
    initiatiefnemer = models.CharField(max_length=20, choices=Initiatiefnemer.choices, blank=True)
    onderwerp_links = ArrayField(models.URLField(max_length=1000), default=list, blank=True)
    medewerker_url = models.URLField(max_length=1000, blank=True)
    vorig_klantcontact = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="volgend_klantcontact",
        help_text="Het vorige contactmoment in een reeks (Contactmomenten API).",
    )
    geregistreerd_door = models.UUIDField(
        null=True, blank=True, help_text="De applicatie (uuid) die het contact registreerde."
    )
    aangemaakt_op = models.DateTimeField(auto_now_add=True)
    gewijzigd_op = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "klantcontact"
        verbose_name_plural = "klantcontacten"
        constraints = [
            models.CheckConstraint(
                condition=~Q(vorig_klantcontact=models.F("id")),
                name="klantcontact_niet_eigen_vorige",
            ),
        ]
        indexes = [
            models.Index(fields=["plaatsgevonden_op", "id"], name="klantcontact_plaatsgevonden"),
            models.Index(fields=["kanaal", "id"], name="klantcontact_kanaal_idx"),
            models.Index(fields=["bronorganisatie", "id"], name="klantcontact_bronorg_idx"),
            models.Index(fields=["geregistreerd_door", "id"], name="klantcontact_registr_idx"),
            models.Index(fields=["medewerker_url", "id"], name="klantcontact_medewerker_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kanaal or 'contact'} {self.plaatsgevonden_op:%Y-%m-%d %H:%M}"


class Contactmoment(Klantcontact):
    """A klantcontact under the Contactmomenten API's name: notifications name their resource
    after the model (``contactmoment``), and the admin lists contactmomenten on their own."""

    class Meta:
        proxy = True
        verbose_name = "contactmoment"
        verbose_name_plural = "contactmomenten"


class Actor(models.Model):
    """Who acted for the municipality: an employee, a system or a department."""

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(unique=True, default=_uuid.uuid4, editable=False)
    naam = models.CharField(max_length=200, blank=True)
    soort_actor = models.CharField(max_length=30, choices=SoortActor.choices)
    indicatie_actief = models.BooleanField(default=True)
    # actoridentificator (Klantinteracties); Contactmomenten' medewerkerIdentificatie
    # ``identificatie`` is the object id
    object_id = models.CharField(max_length=200, blank=True)
    code_objecttype = models.CharField(max_length=200, blank=True)
    code_register = models.CharField(max_length=200, blank=True)
    code_soort_object_id = models.CharField(max_length=200, blank=True)
    # actorIdentificatie of the soort (medewerker: functie, emailadres, telefoonnummer; ...)
    actor_identificatie = models.JSONField(null=True, blank=True)
    # the name parts of a Contactmomenten medewerkerIdentificatie
    achternaam = models.CharField(max_length=200, blank=True)
    voorletters = models.CharField(max_length=20, blank=True)
    voorvoegsel_achternaam = models.CharField(max_length=10, blank=True)
    aangemaakt_op = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "actor"
        verbose_name_plural = "actoren"
        indexes = [
            models.Index(fields=["object_id", "id"], name="actor_object_id_idx"),
            models.Index(fields=["naam", "id"], name="actor_naam_idx"),
        ]

    def __str__(self) -> str:
        return self.naam or self.object_id or str(self.uuid)


class ActorKlantcontact(models.Model):
    """An actor took part in a klantcontact. The Contactmomenten API's medewerker of a
    contactmoment is its first (lowest id) link to an actor of soort medewerker."""

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(unique=True, default=_uuid.uuid4, editable=False)
    actor = models.ForeignKey(
        Actor,
        on_delete=models.CASCADE,
        related_name="klantcontacten",
        db_index=False,  # actorklantcontact_uniek (actor, klantcontact) serves it
    )
    klantcontact = models.ForeignKey(
        Klantcontact, on_delete=models.CASCADE, related_name="actorklantcontacten"
    )

    class Meta:
        verbose_name = "actor bij klantcontact"
        verbose_name_plural = "actoren bij klantcontacten"
        constraints = [
            models.UniqueConstraint(
                fields=["actor", "klantcontact"], name="actorklantcontact_uniek"
            )
        ]


class Betrokkene(models.Model):
    """Someone who took part in a klantcontact: a klantcontactmoment.

    ``klant`` is the klant of this service that took part (a partij when it is validated or an
    anchor, otherwise the non-validated klant of this very interaction, K6); ``klant_url`` a
    klant of another Klanten API (Contactmomenten API only). Deleting a klant keeps the
    betrokkene with its own snapshot (K9); destroying a non-validated klant (R2) removes its
    betrokkenen.
    """

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(unique=True, default=_uuid.uuid4, editable=False)
    klantcontact = models.ForeignKey(
        Klantcontact, on_delete=models.CASCADE, related_name="betrokkenen"
    )
    klant = models.ForeignKey(
        "datamodel.Klant",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="betrokkenheden",
        db_index=False,  # betrokkene_klant_idx (klant, id) serves it
    )
    klant_url = models.URLField(
        max_length=1000, blank=True, help_text="Een klant in een andere Klanten API."
    )
    rol = models.CharField(max_length=20, choices=BetrokkeneRol.choices)
    # Contactmomenten' role; empty for a betrokkene registered through Klantinteracties (its
    # Contactmomenten role is then derived from ``rol``)
    klantcontactmoment_rol = models.CharField(
        max_length=20, choices=KlantcontactmomentRol.choices, blank=True
    )
    initiator = models.BooleanField(default=False)
    # contactnaam
    voorletters = models.CharField(max_length=10, blank=True)
    voornaam = models.CharField(max_length=200, blank=True)
    voorvoegsel_achternaam = models.CharField(max_length=10, blank=True)
    achternaam = models.CharField(max_length=200, blank=True)
    organisatienaam = models.CharField(max_length=200, blank=True)
    bezoekadres = models.JSONField(null=True, blank=True)
    correspondentieadres = models.JSONField(null=True, blank=True)
    # E2: the destruction date the client gave for this interaction (R1)
    vernietigingsdatum = models.DateField(null=True, blank=True)
    geregistreerd_door = models.UUIDField(null=True, blank=True)
    aangemaakt_op = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "betrokkene"
        verbose_name_plural = "betrokkenen"
        constraints = [
            # Contactmomenten: (contactmoment, klant, rol) is unique
            models.UniqueConstraint(
                fields=["klantcontact", "klant", "klantcontactmoment_rol"],
                condition=Q(klant__isnull=False) & ~Q(klantcontactmoment_rol=""),
                name="betrokkene_uniek_per_klant_rol",
            ),
            models.UniqueConstraint(
                fields=["klantcontact", "klant_url", "klantcontactmoment_rol"],
                condition=~Q(klant_url="") & ~Q(klantcontactmoment_rol=""),
                name="betrokkene_uniek_per_klant_url_rol",
            ),
        ]
        indexes = [
            models.Index(fields=["klant", "id"], name="betrokkene_klant_idx"),
            models.Index(fields=["klant_url", "id"], name="betrokkene_klant_url_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_rol_display()} bij {self.klantcontact_id}"


class Onderwerpobject(models.Model):
    """What a klantcontact was about: an objectcontactmoment (a zaak) or, in
    Klantinteracties, any identified object or an earlier klantcontact."""

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(unique=True, default=_uuid.uuid4, editable=False)
    klantcontact = models.ForeignKey(
        Klantcontact,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="onderwerpobjecten",
    )
    was_klantcontact = models.ForeignKey(
        Klantcontact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="was_onderwerp_van",
    )
    # onderwerpobjectidentificator
    object_id = models.CharField(max_length=200, blank=True)
    code_objecttype = models.CharField(max_length=200, blank=True)
    code_register = models.CharField(max_length=200, blank=True)
    code_soort_object_id = models.CharField(max_length=200, blank=True)
    # Contactmomenten: the object's URL and type; empty for onderwerpobjecten registered
    # through Klantinteracties
    object_url = models.URLField(max_length=1000, blank=True)
    object_type = models.CharField(max_length=20, choices=ObjectType.choices, blank=True)
    geregistreerd_door = models.UUIDField(null=True, blank=True)
    aangemaakt_op = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "onderwerpobject"
        verbose_name_plural = "onderwerpobjecten"
        constraints = [
            models.UniqueConstraint(
                fields=["klantcontact", "object_url"],
                condition=~Q(object_url=""),
                name="onderwerpobject_uniek_object_url",
            )
        ]
        indexes = [
            models.Index(fields=["object_url", "id"], name="onderwerpobject_url_idx"),
            models.Index(fields=["object_id", "id"], name="onderwerpobject_object_id_idx"),
        ]


class InterneTaak(models.Model):
    """A follow-up task for the municipality arising from a klantcontact (a contactverzoek)."""

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(unique=True, default=_uuid.uuid4, editable=False)
    nummer = models.CharField(max_length=10, blank=True)
    referentienummer = models.CharField(max_length=10, blank=True)
    gevraagde_handeling = models.CharField(max_length=200)
    aanleidinggevend_klantcontact = models.ForeignKey(
        Klantcontact, on_delete=models.CASCADE, related_name="interne_taken"
    )
    toegewezen_aan_actoren = models.ManyToManyField(Actor, blank=True, related_name="interne_taken")
    toelichting = models.CharField(max_length=1000, blank=True)
    status = models.CharField(max_length=20, choices=InterneTaakStatus.choices)
    toegewezen_op = models.DateTimeField(default=timezone.now)
    afgehandeld_op = models.DateTimeField(null=True, blank=True)
    geregistreerd_door = models.UUIDField(null=True, blank=True)
    aangemaakt_op = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "interne taak"
        verbose_name_plural = "interne taken"
        constraints = [
            # K8: empty is "no number" (KISS sends ""); a number is unique
            models.UniqueConstraint(
                fields=["nummer"], condition=~Q(nummer=""), name="internetaak_nummer_uniek"
            ),
        ]

    def __str__(self) -> str:
        return self.gevraagde_handeling
