from django.db import models


class SubjectType(models.TextChoices):
    natuurlijk_persoon = "natuurlijk_persoon", "Natuurlijk persoon"
    niet_natuurlijk_persoon = "niet_natuurlijk_persoon", "Niet-natuurlijk persoon"
    vestiging = "vestiging", "Vestiging"


class GeslachtsAanduiding(models.TextChoices):
    man = "m", "Man"
    vrouw = "v", "Vrouw"
    onbekend = "o", "Onbekend"


class SoortRechtsvorm(models.TextChoices):
    besloten_vennootschap = "besloten_vennootschap", "Besloten Vennootschap"
    cooperatie_europees_economische_samenwerking = (
        "cooperatie_europees_economische_samenwerking",
        "Cooperatie, Europees Economische Samenwerking",
    )
    europese_cooperatieve_venootschap = (
        "europese_cooperatieve_venootschap",
        "Europese Cooperatieve Vennootschap",
    )
    europese_naamloze_vennootschap = (
        "europese_naamloze_vennootschap",
        "Europese Naamloze Vennootschap",
    )
    kerkelijke_organisatie = "kerkelijke_organisatie", "Kerkelijke Organisatie"
    naamloze_vennootschap = "naamloze_vennootschap", "Naamloze Vennootschap"
    onderlinge_waarborg_maatschappij = (
        "onderlinge_waarborg_maatschappij",
        "Onderlinge Waarborg Maatschappij",
    )
    overig_privaatrechtelijke_rechtspersoon = (
        "overig_privaatrechtelijke_rechtspersoon",
        "Overig privaatrechtelijke rechtspersoon",
    )
    stichting = "stichting", "Stichting"
    vereniging = "vereniging", "Vereniging"
    vereniging_van_eigenaars = "vereniging_van_eigenaars", "Vereniging van Eigenaars"
    publiekrechtelijke_rechtspersoon = (
        "publiekrechtelijke_rechtspersoon",
        "Publiekrechtelijke Rechtspersoon",
    )
    vennootschap_onder_firma = "vennootschap_onder_firma", "Vennootschap onder Firma"
    maatschap = "maatschap", "Maatschap"
    rederij = "rederij", "Rederij"
    commanditaire_vennootschap = "commanditaire_vennootschap", "Commanditaire vennootschap"
    kapitaalvennootschap_binnen_eer = (
        "kapitaalvennootschap_binnen_eer",
        "Kapitaalvennootschap binnen EER",
    )
    overige_buitenlandse_rechtspersoon_vennootschap = (
        "overige_buitenlandse_rechtspersoon_vennootschap",
        "Overige buitenlandse rechtspersoon vennootschap",
    )
    kapitaalvennootschap_buiten_eer = (
        "kapitaalvennootschap_buiten_eer",
        "Kapitaalvennootschap buiten EER",
    )


class SleutelType(models.TextChoices):
    """Kinds of authenticated identity (V3) and klantbeeld keys (E3)."""

    bsn = "bsn", "BSN"
    rsin = "rsin", "RSIN"
    kvk = "kvk", "KvK-nummer"
    vestigingsnummer = "vestigingsnummer", "Vestigingsnummer"


class Middel(models.TextChoices):
    """V3: the means by which the person authenticated."""

    digid = "digid", "DigiD"
    digid_machtigen = "digid_machtigen", "DigiD Machtigen"
    eherkenning = "eherkenning", "eHerkenning"
    eherkenning_bewindvoering = "eherkenning_bewindvoering", "eHerkenning bewindvoering"
    eidas = "eidas", "eIDAS"
    balie_identiteitsbewijs = "balie_identiteitsbewijs", "Identiteitsbewijs aan de balie"
    overig = "overig", "Overig"


class ValidatieBron(models.TextChoices):
    """V4: where the evidence came from."""

    id_token = "id_token", "ID token van een vertrouwde uitgever"
    applicatie = "applicatie", "Verklaring van een applicatie"


class InteractieSoort(models.TextChoices):
    contactmoment = "contactmoment", "Contactmoment"
    verzoek = "verzoek", "Verzoek"
    zaak = "zaak", "Zaak"


# E2: the roles a klant can have per kind of interaction (Contactmomenten, Verzoeken and
# Zaken API standards)
INTERACTIE_ROLLEN = {
    InteractieSoort.contactmoment: ("belanghebbende", "gesprekspartner"),
    InteractieSoort.verzoek: ("belanghebbende", "initiator", "mede_initiator"),
    InteractieSoort.zaak: (
        "adviseur",
        "behandelaar",
        "belanghebbende",
        "beslisser",
        "initiator",
        "klantcontacter",
        "zaakcoordinator",
        "mede_initiator",
    ),
}


class VernietigingsGrond(models.TextChoices):
    """R1: why a non-validated klant has the destruction date it has; on a tombstone (R2), why
    the klant was destroyed."""

    interactie = "interactie", "Vernietigingsdatum van een interactie"
    bewaartermijn = "bewaartermijn", "Bewaartermijn na registratie verstreken"
    geen_interactie = "geen_interactie", "Geen interactie binnen de respijtperiode"
    # not a rule of R1: a data manager destroyed the klant on request (klanten.beheer)
    privacyverzoek = "privacyverzoek", "Privacyverzoek (vernietigd door een beheerder)"
