"""One readable Dutch vocabulary for the fields of klantgegevens.

The models take their ``verbose_name`` from here (``verbose_name()``), so the admin's forms,
detail pages, list columns and filters all say "BSN", never "Inp bsn"; the history view and
the export's ``veldnamen`` translate the API's camelCase names (``inpBsn``,
``subjectIdentificatie``) through the same table. New APIs (contactmomenten,
klantinteracties) add their fields here.
"""

from djangorestframework_camel_case.util import camel_to_underscore, camelize

VELDEN: dict[str, str] = {
    # --- klant -----------------------------------------------------------------------
    "uuid": "UUID",
    "url": "URL",
    "bronorganisatie": "Bronorganisatie",
    "klantnummer": "Klantnummer",
    "bedrijfsnaam": "Bedrijfsnaam",
    "functie": "Functie",
    "website_url": "Website",
    "voornaam": "Voornaam",
    "voorvoegsel_achternaam": "Tussenvoegsel",
    "achternaam": "Achternaam",
    "telefoonnummer": "Telefoonnummer",
    "emailadres": "E-mailadres",
    "adres": "Adres",
    "subject": "Subject (URL)",
    "subject_type": "Subjecttype",
    "subject_identificatie": "Subjectidentificatie",
    "aanmaakkanaal": "Aanmaakkanaal",
    "aangemaakt_op": "Aangemaakt op",
    "gewijzigd_op": "Gewijzigd op",
    "gevalideerd": "Gevalideerd",
    "gevalideerde_sleutel_type": "Soort gevalideerde identificatie",
    "gevalideerde_sleutel": "Gevalideerde identificatie",
    "registratie_rang": "Betrouwbaarheidsniveau",
    "geregistreerd_door": "Geregistreerd door",
    "vernietigingsdatum": "Vernietigingsdatum",
    "toelichting": "Toelichting",
    # the partij view of the Klantinteracties API (design K3-K5)
    "soort_partij": "Soort partij",
    "indicatie_actief": "Actief",
    "indicatie_geheimhouding": "Geheimhouding",
    "voorkeurstaal": "Voorkeurstaal",
    "interne_notitie": "Interne notitie",
    "werkte_voor_partij": "Contactpersoon van",
    "anker": "Onbevestigd anker",
    # --- the klant's address -------------------------------------------------------------
    "straatnaam": "Straat",
    "huisnummer": "Huisnummer",
    "huisletter": "Huisletter",
    "huisnummertoevoeging": "Huisnummertoevoeging",
    "postcode": "Postcode",
    "woonplaats_naam": "Woonplaats",
    "woonplaatsnaam": "Woonplaats",
    "landcode": "Landcode",
    "nummeraanduiding_id": "Nummeraanduiding (BAG)",
    "adresregel1": "Adresregel 1",
    "adresregel2": "Adresregel 2",
    "adresregel3": "Adresregel 3",
    # --- subject identification ----------------------------------------------------------
    "inp_bsn": "BSN",
    "anp_identificatie": "ANP-identificatie",
    "inp_a_nummer": "A-nummer",
    "geslachtsnaam": "Geslachtsnaam",
    "voorvoegsel_geslachtsnaam": "Voorvoegsel geslachtsnaam",
    "voorletters": "Voorletters",
    "voornamen": "Voornamen",
    "geslachtsaanduiding": "Geslacht",
    "geboortedatum": "Geboortedatum",
    "verblijfsadres": "Verblijfsadres",
    "sub_verblijf_buitenland": "Adres in het buitenland",
    "inn_nnp_id": "RSIN",
    "ann_identificatie": "ANN-identificatie",
    "statutaire_naam": "Statutaire naam",
    "inn_rechtsvorm": "Rechtsvorm",
    "bezoekadres": "Bezoekadres",
    "vestigings_nummer": "Vestigingsnummer",
    "handelsnaam": "Handelsnamen",
    # verblijfsadres
    "aoa_identificatie": "Adresseerbaar object (identificatie)",
    "gor_openbare_ruimte_naam": "Straat (openbare ruimte)",
    "aoa_huisnummer": "Huisnummer",
    "aoa_huisletter": "Huisletter",
    "aoa_huisnummertoevoeging": "Huisnummertoevoeging",
    "aoa_postcode": "Postcode",
    "wpl_woonplaats_naam": "Woonplaats",
    "inp_locatiebeschrijving": "Locatiebeschrijving",
    # subVerblijfBuitenland
    "lnd_landcode": "Landcode",
    "lnd_landnaam": "Land",
    "sub_adres_buitenland_1": "Adresregel 1",
    "sub_adres_buitenland_2": "Adresregel 2",
    "sub_adres_buitenland_3": "Adresregel 3",
    # --- evidence (validaties) ---------------------------------------------------------------
    "gevalideerd_op": "Gevalideerd op",
    "authenticatie_moment": "Ingelogd op",
    "middel": "Inlogmiddel",
    "betrouwbaarheidsniveau": "Betrouwbaarheidsniveau (zoals opgegeven)",
    "rang": "Rang",
    "uitgever": "Uitgever",
    "bron": "Bron",
    "geauthenticeerde_type": "Soort identificatie",
    "geauthenticeerde_identificatie": "Identificatie van wie inlogde",
    "vertegenwoordigde_type": "Soort identificatie van de vertegenwoordigde",
    "vertegenwoordigde_identificatie": "Identificatie van de vertegenwoordigde",
    "machtiging": "Machtiging",
    "applicatie_id": "Applicatie-ID",
    "applicatie_weergave": "Applicatie",
    "medewerker_id": "Medewerker-ID",
    "medewerker_weergave": "Medewerker",
    "gegevens_bevestigd": "Gegevens bevestigd door de persoon",
    # --- interactions ------------------------------------------------------------------------
    "soort": "Soort",
    "rol": "Rol",
    # --- Klantinteracties: identifiers, digital addresses, klantcontacten, actoren, taken ----
    "code_register": "Register",
    "code_objecttype": "Objecttype",
    "code_soort_object_id": "Soort identificator",
    "object_id": "Identificator",
    "soort_digitaal_adres": "Soort adres",
    "is_standaard_adres": "Standaard",
    "omschrijving": "Omschrijving",
    "verificatie_datum": "Geverifieerd op",
    "plaatsgevonden_op": "Wanneer",
    "kanaal": "Kanaal",
    "onderwerp": "Onderwerp",
    "naam": "Naam",
    "soort_actor": "Soort actor",
    "actor_identificatie": "Gegevens",
    "nummer": "Nummer",
    "referentienummer": "Referentienummer",
    "gevraagde_handeling": "Gevraagde handeling",
    "status": "Status",
    "toegewezen_op": "Toegewezen op",
    "afgehandeld_op": "Afgehandeld op",
    "toegewezen_aan_actoren": "Toegewezen aan",
    "aanleidinggevend_klantcontact": "Klantcontact",
    "inhoud": "Inhoud",
    "initiator": "Initiatiefnemer van het contact",
    "referentie": "Referentie",
    "partij": "Partij (Klantinteracties)",
    "partij_identificatoren": "Partij-identificatoren",
    "digitale_adressen": "Digitale adressen",
    "klantcontacten": "Klantcontacten",
    # --- the rest of a privacy-request export ----------------------------------------------
    "registratie": "Registratie",
    "validaties": "Bewijs van authenticatie",
    "interacties": "Interacties",
    "bevestigingsverzoeken": "Bevestigingslinks",
    "verloopt_op": "Verloopt op",
    "gebruikt_op": "Gebruikt op",
    "audittrail": "Geschiedenis (audit trail)",
    "aanmaakdatum": "Moment",
    "actie": "Actie",
    "actie_weergave": "Actie (omschrijving)",
    "resultaat": "Resultaat (HTTP-status)",
    "gebruikers_id": "Gebruiker",
    "gebruikers_weergave": "Gebruiker (naam)",
    "resource": "Soort gegeven",
    "resource_url": "URL van het gegeven",
    "resource_weergave": "Gegeven",
    "oud": "Voor de wijziging",
    "nieuw": "Na de wijziging",
    "klantbeeldverzoeken": "Opgevraagde klantbeelden",
    "gebruiker_id": "Gebruiker",
    "aantal_klanten": "Aantal klanten",
    "mijn_klantgegevens_log": "Acties in Mijn klantgegevens",
    "tijdstip": "Moment",
    "reden": "Reden",
    "beheer_log": "Inzage en export door medewerkers",
    "gebruiker": "Medewerker",
    "gebruiker_weergave": "Medewerker (naam)",
}


def verbose_name(naam: str) -> str:
    """The label as Django's ``verbose_name`` wants it: lower case unless it is an
    abbreviation ("BSN", "A-nummer"); Django capitalises it where a label starts a line."""
    tekst = VELDEN[naam]
    if tekst[:2].isupper() or tekst.startswith("A-"):
        return tekst
    return tekst[:1].lower() + tekst[1:]


def label(naam: str) -> str:
    """The readable label of a field, by its model name (``inp_bsn``) or API name
    (``inpBsn``); an unknown name is made readable as well as it goes."""
    sleutel = naam if naam in VELDEN else camel_to_underscore(naam)
    if sleutel in VELDEN:
        return VELDEN[sleutel]
    return sleutel.replace("_", " ").capitalize()


def pad_label(pad: str) -> str:
    """The label of a dotted API path: ``adres.postcode`` → ``Adres › Postcode``."""
    return " › ".join(label(deel) for deel in pad.split(".") if deel)


def veldnamen() -> dict[str, str]:
    """API name → label of every field in the vocabulary (the export's headings)."""
    return {next(iter(camelize({naam: None}))): tekst for naam, tekst in VELDEN.items()}
