"""Fill a database with N synthetic klanten through PostgreSQL COPY.

Usage: bench/seed [--count N] [--database-url URL] [--seed S] [--force]

The database (default ``klanten_bench`` on 127.0.0.1:5432) is created when missing and
migrated with ``manage.py migrate``. The klant tables are then emptied (TRUNCATE ... RESTART
IDENTITY) and filled in one transaction, so a failed seed leaves nothing half-written:

- klanten of the three subject types (about 80 % natuurlijk persoon, 12 % niet-natuurlijk
  persoon, 8 % vestiging) over five bronorganisaties, with generated klantnummers;
- a KlantAdres for about 85 %; one identification row per klant matching its subject_type
  (the database triggers of migration 0003 check every row, they are not disabled);
- valid BSNs and RSINs (11-proef); a few BSNs shared by two klanten (a person registered
  twice, never both validated);
- about a third validated (gevalideerd, gevalideerde_sleutel_type/-sleutel, registratie_rang)
  with one Validatie evidence row each; a unique BSN per bronorganisatie for validated
  natural persons (the partial unique index een_gevalideerde_klant_per_bsn holds);
- interacties for about a quarter of the validated and a tenth of the other klanten;
- the klantnummer counters (datamodel_klantnummerteller) set to the highest number per
  bronorganisatie, so the API continues after the seeded klantnummers.

Secondary (non-constraint) indexes of these tables are dropped before the COPY and rebuilt
after it inside the same transaction (``--keep-indexes`` to load into the indexed tables),
then the tables are VACUUM ANALYZEd as autovacuum would have done in production.
"""

import argparse
import json
import os
import random
import shutil
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
from common import (
    BENCH_DIR,
    CODE,
    DEFAULT_DATABASE_URL,
    conninfo,
    django_env,
    ensure_database,
    manage,
    use_code,
)

# --- identifiers -----------------------------------------------------------------------------
WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2)


def elfproef_number(base8: int) -> str | None:
    """The 9-digit number with these 8 leading digits that passes the 11-proef, or None."""
    digits = f"{base8:08d}"
    total = sum(int(d) * w for d, w in zip(digits, WEIGHTS, strict=True))
    check = total % 11
    return None if check == 10 else f"{digits}{check}"


def elfproef_numbers(start: int, step: int):
    base = start
    while True:
        number = elfproef_number(base)
        if number is not None:
            yield number
        base += step


BRONORGANISATIES = [n for n in (elfproef_number(b) for b in range(123_456_70, 123_457_70)) if n][:5]
BRON_WEIGHTS = (70, 12, 8, 6, 4)
APPLICATIES = [str(uuid.UUID(int=i * 7919 + 1, version=4)) for i in range(1, 5)]

# --- names and places ------------------------------------------------------------------------
ACHTERNAMEN = """de Jong|Jansen|de Vries|van den Berg|van Dijk|Bakker|Janssen|Visser|Smit|Meijer|
de Boer|Mulder|de Groot|Bos|Vos|Peters|Hendriks|van Leeuwen|Dekker|Brouwer|de Wit|Dijkstra|
Smits|de Graaf|van der Meer|van der Linden|Kok|Jacobs|de Haan|Vermeulen|van den Heuvel|
van der Veen|van den Broek|de Bruijn|de Bruin|van der Heijden|Schouten|van Beek|Willems|
van Vliet|van de Ven|Hoekstra|Maas|Verhoeven|Koster|van Dam|van der Wal|Prins|Blom|Huisman|
Peeters|de Jonge|Kuipers|van Veen|Post|Kuiper|Veenstra|Kramer|van den Brink|Scholten|
van Wijk|Postma|Martens|Vink|de Ruiter|Timmermans|Groen|Gerritsen|Jonker|van Loon|Boer|
van der Velde|Willemsen|Smeets|de Lange|de Vos|Bosch|van Dongen|Schipper|de Koning|
van der Laan|Koning|van der Velden|Driessen|van Doorn|Hermans|Evers|van den Bosch|
van der Meulen|Hofman|Bosman|Wolters|Sanders|van der Horst|Mol|Kuijpers|Molenaar|
van de Pol|de Leeuw|Verbeek|Yilmaz|El Amrani|Kaya|Nguyen|Öztürk|Bouzid|Dos Santos|
Kowalski|Pereira|Haddou|Ramdin|Sewnath|Tjon A Fong|Zijlstra|Wijnands|Hoogendoorn|
Oosterhout|Ruijgrok|Lambrechts|van Rijswijk|Steenbergen|Aalbers|Brinkman|IJzerman"""
VOORNAMEN_M = """Daan|Sem|Lucas|Levi|Finn|Milan|Bram|Thijs|Jesse|Luuk|Noah|Mohammed|Jan|Pieter|
Hendrik|Willem|Kees|Johannes|Cornelis|Gerrit|Ahmed|Mehmet|Thomas|Ruben|Stijn|Tim|Bas|Jeroen|
Mark|Dennis|Sander|Erik|Martijn|Arjen|Henk|Wim|Joost|Niels|Rik|Youssef"""
VOORNAMEN_V = """Emma|Julia|Mila|Tess|Sophie|Zoë|Sara|Nora|Anna|Eva|Fenna|Lotte|Maria|Johanna|
Cornelia|Wilhelmina|Elisabeth|Fatima|Ayşe|Anouk|Lisa|Sanne|Femke|Iris|Laura|Inge|Marieke|
Monique|Petra|Ingrid|Esther|Linda|Saskia|Els|Annemarie|Noor|Yasmina|Elif|Hanna|Roos"""
STRATEN = """Kerkstraat|Schoolstraat|Molenstraat|Dorpsstraat|Stationsweg|Julianastraat|
Wilhelminastraat|Beatrixstraat|Nieuwstraat|Kastanjelaan|Eikenlaan|Lindelaan|Beukenlaan|
Parallelweg|Industrieweg|Sportlaan|Oranjestraat|Prins Bernhardstraat|Marktstraat|Hoofdstraat|
Burgemeester van der Lindenstraat|Koningin Julianaplein|Meidoornstraat|Vogelzang|Zuiderdijk|
Noorderhaven|Oude Gracht|Singel|Herengracht|Stadhouderskade|Weteringschans|Leidsestraat|
Amsterdamsestraatweg|Biltstraat|Kanaalweg|Tolsteegsingel|Vondellaan|Croeselaan|Jaarbeursplein"""
PLAATSEN = """Utrecht|Amsterdam|Rotterdam|'s-Gravenhage|Eindhoven|Groningen|Tilburg|Almere|Breda|
Nijmegen|Apeldoorn|Haarlem|Arnhem|Enschede|Amersfoort|Zaanstad|Haarlemmermeer|
's-Hertogenbosch|Zwolle|Zoetermeer|Leiden|Maastricht|Dordrecht|Ede|Alphen aan den Rijn|
Westland|Alkmaar|Emmen|Delft|Venlo|Deventer|Sittard-Geleen|Helmond|Oss|Hilversum|Heerlen|
Nieuwegein|Houten|Zeist|IJsselstein"""
BEDRIJF_STAM = """Bakkerij|Installatiebedrijf|Adviesbureau|Schildersbedrijf|Kapsalon|Autobedrijf|
Transport|Bouwbedrijf|Hoveniersbedrijf|Tandartspraktijk|Fysiotherapie|Administratiekantoor|
Makelaardij|Catering|Bloemenhandel|Fietsenmaker|Garage|Drukkerij|Schoonmaakbedrijf|
Architectenbureau|Stichting Buurtwerk|Vereniging Dorpsbelang|Sportvereniging|Woningcorporatie"""
SYLLABLE_A = [
    "Ber",
    "Hof",
    "Kam",
    "Lin",
    "Ter",
    "Wes",
    "Oost",
    "Zuid",
    "Noord",
    "Mid",
    "Hol",
    "Vel",
    "Broek",
    "Dal",
    "Hoog",
    "Laag",
    "Groen",
    "Wit",
    "Zwart",
    "Rood",
    "Klein",
    "Groot",
    "Nieuw",
    "Oud",
    "Ste",
    "Bruin",
    "Molen",
    "Kerk",
    "Brug",
    "Dijk",
    "Sloot",
    "Vaart",
    "Haven",
    "Water",
    "Berg",
    "Bos",
    "Heide",
    "Venne",
    "Es",
    "Horst",
    "Kolk",
    "Leeu",
    "Stee",
    "Wijn",
    "Zand",
    "Veen",
    "Vliet",
    "Gaar",
    "Hem",
]
SYLLABLE_B = [
    "ink",
    "man",
    "stra",
    "huis",
    "kamp",
    "veld",
    "berg",
    "ema",
    "sma",
    "inga",
    "ing",
    "hout",
    "dijk",
    "meijer",
    "boer",
    "hoff",
    "kens",
    "sen",
    "land",
    "rink",
    "broek",
    "beek",
    "werf",
    "holt",
    "mans",
]
LANDEN = [("5010", "België"), ("9089", "Duitsland"), ("6039", "Verenigd Koninkrijk")]
MAILDOMEINEN = ("example.nl", "mail.example", "post.example")
FUNCTIES = ["directeur", "eigenaar", "bestuurder", "secretaris", "penningmeester", "office manager"]
KANALEN = ["balie", "telefoon", "website", "e-mail", "post", "chat"]
RECHTSVORMEN = [
    "besloten_vennootschap",
    "stichting",
    "vereniging",
    "naamloze_vennootschap",
    "cooperatie_europees_economische_samenwerking",
    "vennootschap_onder_firma",
    "maatschap",
    "publiekrechtelijke_rechtspersoon",
    "commanditaire_vennootschap",
]
ROLLEN = {
    "contactmoment": ("belanghebbende", "gesprekspartner"),
    "verzoek": ("belanghebbende", "initiator", "mede_initiator"),
    "zaak": ("belanghebbende", "initiator", "behandelaar", "beslisser", "adviseur"),
}
INTERACTIE_BASE = {
    "contactmoment": "https://contactmomenten.gemeente.example/api/v1/contactmomenten/",
    "verzoek": "https://verzoeken.gemeente.example/api/v1/verzoeken/",
    "zaak": "https://zaken.gemeente.example/zaken/api/v1/zaken/",
}


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", "").split("|")]


# --- COPY text format --------------------------------------------------------------------------
NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def esc(value: str) -> str:
    return value.translate(_ESCAPES)


def jsonb(value: dict | None) -> str:
    return NULL if value is None else esc(json.dumps(value, ensure_ascii=False))


def text_array(values: list[str]) -> str:
    inner = ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    return esc("{" + inner + "}")


# --- the generator ---------------------------------------------------------------------------
TABLES = (
    "datamodel_klant",
    "datamodel_klantadres",
    "datamodel_natuurlijkpersoon",
    "datamodel_nietnatuurlijkpersoon",
    "datamodel_vestiging",
    "datamodel_validatie",
    "datamodel_interactie",
)
KLANT_COLUMNS = (
    "id, uuid, bronorganisatie, klantnummer, bedrijfsnaam, functie, website_url, voornaam, "
    "voorvoegsel_achternaam, achternaam, telefoonnummer, emailadres, subject, subject_type, "
    "aanmaakkanaal, aangemaakt_op, gewijzigd_op, gevalideerd, gevalideerde_sleutel_type, "
    "gevalideerde_sleutel, registratie_rang, geregistreerd_door"
)
ADRES_COLUMNS = (
    "klant_id, straatnaam, huisnummer, huisletter, huisnummertoevoeging, postcode, "
    "woonplaats_naam, landcode"
)
NP_COLUMNS = (
    "klant_id, inp_bsn, anp_identificatie, inp_a_nummer, geslachtsnaam, "
    "voorvoegsel_geslachtsnaam, voorletters, voornamen, geslachtsaanduiding, geboortedatum, "
    "verblijfsadres, sub_verblijf_buitenland"
)
NNP_COLUMNS = (
    "klant_id, inn_nnp_id, ann_identificatie, statutaire_naam, inn_rechtsvorm, bezoekadres, "
    "sub_verblijf_buitenland"
)
VESTIGING_COLUMNS = (
    "klant_id, vestigings_nummer, handelsnaam, verblijfsadres, sub_verblijf_buitenland"
)
VALIDATIE_COLUMNS = (
    "id, uuid, klant_id, gevalideerd_op, authenticatie_moment, middel, betrouwbaarheidsniveau, "
    "rang, uitgever, bron, geauthenticeerde_type, geauthenticeerde_identificatie, "
    "vertegenwoordigde_type, vertegenwoordigde_identificatie, machtiging, applicatie_id, "
    "applicatie_weergave, medewerker_id, medewerker_weergave, gegevens_bevestigd"
)
INTERACTIE_COLUMNS = "id, uuid, klant_id, soort, url, rol, vernietigingsdatum, aangemaakt_op"
# columns of newer code (the shared store of migration 0009), filled when the schema has them,
# with what a klant made through the Klanten API carries
KLANT_EXTRA = (
    ("soort_partij", ""),
    ("indicatie_actief", "t"),
    ("voorkeurstaal", ""),
    ("interne_notitie", ""),
    ("anker", "f"),
)
ADRES_EXTRA = (
    ("nummeraanduiding_id", ""),
    ("adresregel1", ""),
    ("adresregel2", ""),
    ("adresregel3", ""),
    ("land", ""),  # ISO 3166 code of a country without a BRP code (0016); none seeded
)

CHUNK = 2000  # rows per COPY write


SUB_ADRES_MAX = 35


def past(head: str, tail: str, limit: int = SUB_ADRES_MAX) -> str:
    """``head + tail`` within ``limit`` characters: the longer part is cut (a long street or
    place name), never the house number or postcode."""
    text = head + tail
    if len(text) <= limit:
        return text
    if len(head) >= len(tail):
        return head[: limit - len(tail)].rstrip() + tail
    return head + tail[: limit - len(head)].rstrip()


class Generator:
    def __init__(self, count: int, seed: int, retention=None):
        self.klant_extra: tuple = ()
        self.adres_extra: tuple = ()
        self.count = count
        self.retention = retention
        self.rng = random.Random(seed)
        self.now = datetime(2026, 11, 1, tzinfo=UTC)
        self.achternamen = _split(ACHTERNAMEN)
        # common surnames with a mild Zipf skew (the most common one about 1 % of the
        # klanten), plus a long tail of 2,500 synthetic ones
        self.achternamen += [f"{a}{b}" for a in SYLLABLE_A for b in SYLLABLE_B]
        common = len(self.achternamen) - len(SYLLABLE_A) * len(SYLLABLE_B)
        self.achternaam_weights = [1 / (rank + 1) ** 0.3 for rank in range(common)]
        tail = sum(self.achternaam_weights) / (len(self.achternamen) - common)
        self.achternaam_weights += [tail] * (len(self.achternamen) - common)
        self.voornamen = {"m": _split(VOORNAMEN_M), "v": _split(VOORNAMEN_V)}
        self.straten = _split(STRATEN)
        self.plaatsen = _split(PLAATSEN)
        self.bedrijfstam = _split(BEDRIJF_STAM)
        self.bsns = elfproef_numbers(12_000_000, 7)
        self.rsins = elfproef_numbers(80_000_000, 3)
        self.vestigingsnummers = iter(range(100_000_000_001, 10**12, 13))
        self.klantnummers = dict.fromkeys(BRONORGANISATIES, 0)
        self.validatie_id = 0
        self.interactie_id = 0
        self.np_bsns: list[str] = []  # bsns of non-validated natural persons, for duplicates
        self.stats = dict.fromkeys(
            ("klanten", "natuurlijk_persoon", "niet_natuurlijk_persoon", "vestiging"), 0
        ) | {"gevalideerd": 0, "adressen": 0, "validaties": 0, "interacties": 0}

    def retention_column(self, gevalideerd, aangemaakt, termijnen) -> tuple[str, ...]:
        """Klant.vernietigingsdatum (R1) when the code under test has it, computed with the
        product's own rule; nothing otherwise."""
        if self.retention is None:
            return ()
        rules, bewaartermijn, respijt, tz = self.retention
        uitkomst = rules.vernietiging(
            gevalideerd=gevalideerd,
            aangemaakt_op=aangemaakt.astimezone(tz).date(),
            interacties=[
                rules.InteractieTermijn(datum, geregistreerd.astimezone(tz).date())
                for datum, geregistreerd in termijnen
            ],
            bewaartermijn=bewaartermijn,
            respijt_zonder_interactie=respijt,
        )
        return (NULL if uitkomst is None else uitkomst.datum.isoformat(),)

    # --- small helpers
    def uuid(self) -> str:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4).hex

    def moment(self, days_back: int = 6 * 365) -> datetime:
        return self.now - timedelta(seconds=self.rng.randrange(days_back * 86400))

    def achternaam(self) -> tuple[str, str]:
        """(voorvoegsel, achternaam), e.g. ("van den", "Berg"); some double-barrelled."""
        rng = self.rng
        (name,) = rng.choices(self.achternamen, self.achternaam_weights)
        if rng.random() < 0.12:
            (other,) = rng.choices(self.achternamen, self.achternaam_weights)
            name = f"{name}-{other}"
        words = name.split(" ")
        i = 0
        while i < len(words) - 1 and words[i][0].islower():
            i += 1
        return " ".join(words[:i]), " ".join(words[i:])

    def telefoon(self) -> str:
        rng = self.rng
        if rng.random() < 0.7:
            return f"06-{rng.randrange(10_000_000, 99_999_999)}"
        return f"0{rng.randrange(10, 99)}-{rng.randrange(1_000_000, 9_999_999)}"

    def postcode(self) -> str:
        rng = self.rng
        letters = "ABCDEGHJKLMNPRSTVWXZ"
        return f"{rng.randrange(1000, 9999)} {rng.choice(letters)}{rng.choice(letters)}"

    def verblijfsadres(self) -> dict:
        rng = self.rng
        return {
            "aoaIdentificatie": f"0344200000{rng.randrange(100_000, 999_999)}",
            "wplWoonplaatsNaam": rng.choice(self.plaatsen),
            "gorOpenbareRuimteNaam": rng.choice(self.straten),
            "aoaPostcode": self.postcode().replace(" ", ""),
            "aoaHuisnummer": rng.randrange(1, 300),
            "aoaHuisletter": rng.choice("ABC") if rng.random() < 0.05 else "",
            "aoaHuisnummertoevoeging": "",
            "inpLocatiebeschrijving": "",
        }

    def buitenland(self) -> dict:
        rng = self.rng
        land = rng.choice(LANDEN)
        return {
            "lndLandcode": land[0],
            "lndLandnaam": land[1],
            # the schema's maxLength is 35 (issue 15: longer values broke the API's own schema)
            "subAdresBuitenland1": past(f"{rng.choice(self.straten)}", f" {rng.randrange(1, 200)}"),
            "subAdresBuitenland2": past(
                f"{rng.randrange(1000, 99999)} ", rng.choice(self.plaatsen)
            ),
            "subAdresBuitenland3": "",
        }

    def bedrijfsnaam(self) -> str:
        rng = self.rng
        return f"{rng.choice(self.bedrijfstam)} {rng.choice(self.achternamen).split(' ')[-1]}"

    # --- one klant: returns the rows of every table
    def klant(self, klant_id: int, out: dict[str, list[str]]) -> None:
        rng = self.rng
        (bron,) = rng.choices(BRONORGANISATIES, BRON_WEIGHTS)
        self.klantnummers[bron] += 1
        klantnummer = str(self.klantnummers[bron])
        r = rng.random()
        subject_type = (
            "natuurlijk_persoon"
            if r < 0.80
            else "niet_natuurlijk_persoon"
            if r < 0.92
            else "vestiging"
        )
        gevalideerd = rng.random() < 1 / 3
        aangemaakt = self.moment()
        gewijzigd = aangemaakt + timedelta(seconds=rng.randrange(0, 86400 * 200))
        if gewijzigd > self.now:
            gewijzigd = self.now
        kanaal = rng.choice(KANALEN)
        geregistreerd_door = rng.choice(APPLICATIES) if rng.random() < 0.9 else NULL
        bedrijfsnaam = functie = website = voornaam = voorvoegsel = achternaam = ""
        telefoon = self.telefoon() if rng.random() < 0.8 else ""
        email = ""
        sleutel_type = sleutel = rang = NULL

        if subject_type == "natuurlijk_persoon":
            geslacht = "m" if rng.random() < 0.49 else "v" if rng.random() < 0.98 else "o"
            namen = self.voornamen["v" if geslacht == "v" else "m"]
            voornamen = " ".join(rng.sample(namen, rng.choice((1, 1, 2, 2, 3))))
            voornaam = voornamen.split(" ")[0]
            voorvoegsel, achternaam = self.achternaam()
            if rng.random() < 0.6:
                email = (
                    f"{voornaam[0].lower()}.{achternaam.lower().replace(' ', '')}"
                    f"{rng.randrange(1, 999)}@{rng.choice(MAILDOMEINEN)}"
                )
            if gevalideerd or rng.random() > 0.05 or not self.np_bsns:
                bsn = next(self.bsns)
                if not gevalideerd:
                    self.np_bsns.append(bsn)
            else:  # a person registered twice (never both validated)
                bsn = rng.choice(self.np_bsns)
            geboren = datetime(1930, 1, 1) + timedelta(days=rng.randrange(0, 365 * 90))
            np_row = "\t".join(
                (
                    str(klant_id),
                    bsn,
                    "",
                    str(rng.randrange(1_000_000_000, 9_999_999_999)) if rng.random() < 0.6 else "",
                    esc(achternaam),
                    voorvoegsel,
                    "".join(n[0] + "." for n in voornamen.split(" ")),
                    esc(voornamen),
                    geslacht,
                    geboren.strftime("%Y-%m-%d"),
                    jsonb(self.verblijfsadres()) if rng.random() < 0.5 else NULL,
                    jsonb(self.buitenland()) if rng.random() < 0.01 else NULL,
                )
            )
            out["datamodel_natuurlijkpersoon"].append(np_row)
            if gevalideerd:
                sleutel_type, sleutel = "bsn", bsn
        elif subject_type == "niet_natuurlijk_persoon":
            bedrijfsnaam = self.bedrijfsnaam()
            rsin = next(self.rsins)
            domain = bedrijfsnaam.lower().replace(" ", "").replace("'", "")[:40]
            website = f"https://www.{domain}.example" if rng.random() < 0.5 else ""
            email = f"info@{domain}.example"
            if rng.random() < 0.5:
                voornaam = rng.choice(self.voornamen["m" if rng.random() < 0.5 else "v"])
                voorvoegsel, achternaam = self.achternaam()
                functie = rng.choice(FUNCTIES)
            straat = f"{rng.choice(self.straten)} {rng.randrange(1, 400)}"
            nnp_row = "\t".join(
                (
                    str(klant_id),
                    rsin,
                    "",
                    esc(f"{bedrijfsnaam} B.V." if rng.random() < 0.5 else bedrijfsnaam),
                    rng.choice(RECHTSVORMEN),
                    esc(f"{straat}, {self.postcode()} {rng.choice(self.plaatsen)}"),
                    NULL,
                )
            )
            out["datamodel_nietnatuurlijkpersoon"].append(nnp_row)
            if gevalideerd:
                sleutel_type, sleutel = "rsin", rsin
        else:
            bedrijfsnaam = self.bedrijfsnaam()
            nummer = f"{next(self.vestigingsnummers):012d}"
            handelsnamen = [bedrijfsnaam] + (
                [f"{bedrijfsnaam} {rng.choice(self.plaatsen)}"] if rng.random() < 0.3 else []
            )
            email = f"contact@{bedrijfsnaam.lower().replace(' ', '')[:40]}.example"
            v_row = "\t".join(
                (
                    str(klant_id),
                    nummer,
                    text_array(handelsnamen),
                    jsonb(self.verblijfsadres()),
                    NULL,
                )
            )
            out["datamodel_vestiging"].append(v_row)
            if gevalideerd:
                sleutel_type, sleutel = "vestigingsnummer", nummer

        if gevalideerd:
            self.stats["gevalideerd"] += 1
            self.validatie_id += 1
            digid = subject_type == "natuurlijk_persoon"
            rang = "3" if rng.random() < 0.2 else "2"
            gevalideerd_op = aangemaakt + timedelta(seconds=rng.randrange(0, 86400 * 30))
            niveau = (
                (
                    "urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard"
                    if rang == "3"
                    else "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract"
                )
                if digid
                else f"urn:etoegang:core:assurance-class:loa{rang}"
            )
            bron_v = "id_token" if rng.random() < 0.7 else "applicatie"
            app = geregistreerd_door if geregistreerd_door != NULL else APPLICATIES[0]
            out["datamodel_validatie"].append(
                "\t".join(
                    (
                        str(self.validatie_id),
                        self.uuid(),
                        str(klant_id),
                        gevalideerd_op.isoformat(),
                        (gevalideerd_op - timedelta(seconds=rng.randrange(5, 1800))).isoformat(),
                        "digid" if digid else "eherkenning",
                        niveau,
                        rang,
                        "https://digid.example" if digid else "https://eherkenning.example",
                        bron_v,
                        sleutel_type,
                        sleutel,
                        "",
                        "",
                        "",
                        app,
                        "Mijn Gemeente portaal",
                        "" if bron_v == "id_token" else f"mdw{rng.randrange(1, 300)}",
                        "" if bron_v == "id_token" else "Medewerker KCC",
                        "t",
                    )
                )
            )
            self.stats["validaties"] += 1

        if rng.random() < 0.85:
            out["datamodel_klantadres"].append(
                "\t".join(
                    (
                        str(klant_id),
                        esc(rng.choice(self.straten)),
                        str(rng.randrange(1, 400)),
                        rng.choice("ABCD") if rng.random() < 0.05 else "",
                        rng.choice(("bis", "1", "2", "hs", "A")) if rng.random() < 0.05 else "",
                        self.postcode(),
                        esc(rng.choice(self.plaatsen)),
                        "6030",
                        *self.adres_extra,
                    )
                )
            )
            self.stats["adressen"] += 1

        termijnen = []
        if rng.random() < (0.25 if gevalideerd else 0.10):
            for _ in range(rng.randrange(1, 4)):
                soort = rng.choice(("contactmoment", "verzoek", "zaak"))
                self.interactie_id += 1
                geregistreerd = aangemaakt + (self.now - aangemaakt) * rng.random()
                datum = (
                    (self.now + timedelta(days=rng.randrange(365, 3650))).date()
                    if rng.random() < 0.5
                    else None
                )
                termijnen.append((datum, geregistreerd))
                out["datamodel_interactie"].append(
                    "\t".join(
                        (
                            str(self.interactie_id),
                            self.uuid(),
                            str(klant_id),
                            soort,
                            INTERACTIE_BASE[soort] + self.uuid(),
                            rng.choice(ROLLEN[soort]),
                            datum.isoformat() if datum else NULL,
                            geregistreerd.isoformat(),
                        )
                    )
                )
                self.stats["interacties"] += 1

        out["datamodel_klant"].append(
            "\t".join(
                (
                    str(klant_id),
                    self.uuid(),
                    bron,
                    klantnummer,
                    esc(bedrijfsnaam),
                    functie,
                    website,
                    esc(voornaam),
                    voorvoegsel,
                    esc(achternaam),
                    telefoon,
                    esc(email),
                    "",
                    subject_type,
                    kanaal,
                    aangemaakt.isoformat(),
                    gewijzigd.isoformat(),
                    "t" if gevalideerd else "f",
                    sleutel_type,
                    sleutel,
                    rang,
                    geregistreerd_door,
                    *self.klant_extra,
                    *self.retention_column(gevalideerd, aangemaakt, termijnen),
                )
            )
        )
        self.stats["klanten"] += 1
        self.stats[subject_type] += 1


COLUMNS = {
    "datamodel_klant": KLANT_COLUMNS,
    "datamodel_klantadres": ADRES_COLUMNS,
    "datamodel_natuurlijkpersoon": NP_COLUMNS,
    "datamodel_nietnatuurlijkpersoon": NNP_COLUMNS,
    "datamodel_vestiging": VESTIGING_COLUMNS,
    "datamodel_validatie": VALIDATIE_COLUMNS,
    "datamodel_interactie": INTERACTIE_COLUMNS,
}
# klant first: the identification triggers and the foreign keys look the klant up
COPY_ORDER = TABLES

SECONDARY_INDEXES = """
SELECT i.relname, pg_get_indexdef(i.oid)
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
WHERE t.relname = ANY(%s)
  AND NOT x.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
ORDER BY t.relname, i.relname
"""


def partij_statements() -> list[str]:
    """The data migration's SQL filling the partij tables (``datamodel`` 0010), read from the
    code being measured; none when that code has no such migration."""
    import importlib

    try:
        migration = importlib.import_module(
            "klanten.datamodel.migrations.0010_partijen_gegevens_overzetten"
        )
    except ImportError:
        return []
    return list(migration.FORWARD)


def log(message: str) -> None:
    print(message, flush=True)


def load_retention(database_url: str):
    """The product's R1 rule and settings (klanten.datamodel.rules.vernietiging), when the
    code under test has them."""
    os.environ.update(django_env(database_url))
    for path in (str(CODE["root"] / "src"), str(BENCH_DIR)):
        if path not in sys.path:
            sys.path.insert(0, path)
    import django

    django.setup()
    from django.conf import settings

    from klanten.datamodel import rules

    if not hasattr(rules, "vernietiging"):
        return None
    return (
        rules,
        timedelta(days=settings.KLANTEN_BEWAARTERMIJN_DAGEN),
        timedelta(days=settings.KLANTEN_RESPIJT_ZONDER_INTERACTIE_DAGEN),
        ZoneInfo(settings.TIME_ZONE),
    )


# the columns of the partij view (migration 0009) that the generator leaves at their model
# default: given as column defaults for the COPY, removed again before the commit
PARTIJ_DEFAULTS = {
    "datamodel_klant": {
        "anker": "false",
        "indicatie_actief": "true",
        "interne_notitie": "''",
        "soort_partij": "''",
        "voorkeurstaal": "''",
    },
    "datamodel_klantadres": {
        "adresregel1": "''",
        "adresregel2": "''",
        "adresregel3": "''",
        "nummeraanduiding_id": "''",
    },
}


def partij_defaults(conn, zet: bool) -> None:
    for table, columns in PARTIJ_DEFAULTS.items():
        for column, value in columns.items():
            exists = conn.execute(
                "SELECT 1 FROM information_schema.columns WHERE table_name = %s "
                "AND column_name = %s",
                [table, column],
            ).fetchone()
            if not exists:
                continue
            action = f"SET DEFAULT {value}" if zet else "DROP DEFAULT"
            conn.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" {action}')


def check_columns(conn, columns: dict[str, str]) -> None:
    """Stop when the schema has a NOT NULL column without default that the seed does not
    fill (the models changed since this seeder was written); generated columns (the
    representation's parts, migration 0020) are PostgreSQL's own."""
    missing = []
    for table, listed in columns.items():
        names = {c.strip() for c in listed.split(",")}
        for (column,) in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
            "AND is_nullable = 'NO' AND column_default IS NULL AND is_generated = 'NEVER'",
            [table],
        ).fetchall():
            if column not in names:
                missing.append(f"{table}.{column}")
    if missing:
        raise SystemExit(
            "the schema has NOT NULL columns the seeder does not fill: "
            + ", ".join(missing)
            + " (update bench/seed.py)"
        )


def schema_columns(conn):
    """The COPY columns of each table for the schema in ``conn``: the seeder's own, plus the
    columns of later migrations it fills with a constant (``KLANT_EXTRA``, ``ADRES_EXTRA``)
    where the schema has them. Returns (columns, klant extra, adres extra, klant columns)."""
    columns = dict(COLUMNS)

    def present(table):
        return {
            row[0]
            for row in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s",
                [table],
            ).fetchall()
        }

    klant_columns = present("datamodel_klant")
    adres_columns = present("datamodel_klantadres")
    klant_extra = [(c, v) for c, v in KLANT_EXTRA if c in klant_columns]
    adres_extra = [(c, v) for c, v in ADRES_EXTRA if c in adres_columns]
    for column, _value in klant_extra:
        columns["datamodel_klant"] += f", {column}"
    for column, _value in adres_extra:
        columns["datamodel_klantadres"] += f", {column}"
    return columns, klant_extra, adres_extra, klant_columns


def seed(database_url: str, count: int, random_seed: int, keep_indexes: bool, batch: int) -> dict:
    info = conninfo(database_url)
    with psycopg.connect(**info) as conn:
        columns, klant_extra, adres_extra, klant_columns = schema_columns(conn)
        retention = None
        if "vernietigingsdatum" in klant_columns:
            retention = load_retention(database_url)
            if retention is None:
                raise SystemExit("datamodel_klant.vernietigingsdatum without rules.vernietiging")
            columns["datamodel_klant"] += ", vernietigingsdatum"
        partij_defaults(conn, True)
        check_columns(conn, columns)
    gen = Generator(count, random_seed, retention)
    gen.klant_extra = tuple(v for _c, v in klant_extra)
    gen.adres_extra = tuple(v for _c, v in adres_extra)
    timings: dict[str, float] = {}
    rows_per_table = dict.fromkeys(TABLES, 0)
    started = time.perf_counter()
    with psycopg.connect(**info) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '256MB'")
        # the foreign keys are DEFERRABLE INITIALLY DEFERRED: check them per COPY statement
        # instead of queueing millions of trigger events until commit
        conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
        t = time.perf_counter()
        conn.execute(
            "TRUNCATE datamodel_klant, datamodel_klantadres, datamodel_natuurlijkpersoon, "
            "datamodel_nietnatuurlijkpersoon, datamodel_vestiging, datamodel_validatie, "
            "datamodel_interactie, datamodel_bevestigingsverzoek, datamodel_klantbeeldverzoek, "
            "datamodel_klantnummerteller, audittrails_audittrail RESTART IDENTITY CASCADE"
        )
        dropped = []
        if not keep_indexes:
            dropped = conn.execute(SECONDARY_INDEXES, [list(TABLES)]).fetchall()
            for name, _definition in dropped:
                conn.execute(f'DROP INDEX "{name}"')
        timings["truncate"] = time.perf_counter() - t

        # One COPY per table and batch; klanten of a batch are generated first, then each
        # table's rows of that batch are copied in order (klant before its dependants).
        t = time.perf_counter()
        next_id = 1
        last_report = time.perf_counter()
        while next_id <= count:
            upto = min(count, next_id + batch - 1)
            out: dict[str, list[str]] = {table: [] for table in TABLES}
            for klant_id in range(next_id, upto + 1):
                gen.klant(klant_id, out)
            for table in COPY_ORDER:
                rows = out[table]
                if not rows:
                    continue
                with conn.cursor().copy(f"COPY {table} ({columns[table]}) FROM STDIN") as copy:
                    for i in range(0, len(rows), CHUNK):
                        copy.write("\n".join(rows[i : i + CHUNK]) + "\n")
                rows_per_table[table] += len(rows)
            next_id = upto + 1
            now = time.perf_counter()
            if now - last_report > 5 or next_id > count:
                done = next_id - 1
                log(
                    f"  {done:>10,} klanten  {done / (now - t):>9,.0f} klanten/s  "
                    f"{sum(rows_per_table.values()) / (now - t):>9,.0f} rows/s"
                )
                last_report = now
        timings["copy"] = time.perf_counter() - t

        t = time.perf_counter()
        for _name, definition in dropped:
            conn.execute(definition)
        timings["indexes"] = time.perf_counter() - t

        t = time.perf_counter()
        for table, column in (
            ("datamodel_klant", "id"),
            ("datamodel_validatie", "id"),
            ("datamodel_interactie", "id"),
        ):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                f"GREATEST((SELECT MAX({column}) FROM {table}), 1))"
            )
        # C5: the counter continues after the highest numeric klantnummer per bronorganisatie
        conn.execute(
            "INSERT INTO datamodel_klantnummerteller (bronorganisatie, laatste) "
            "SELECT bronorganisatie, MAX(klantnummer::bigint) FROM datamodel_klant "
            "WHERE klantnummer ~ '^[0-9]{1,8}$' GROUP BY bronorganisatie"
        )
        # the partij tables of the Klantinteracties API (identifiers, standaard addresses) from
        # the klant columns, with the SQL of the data migration that carries them over
        for statement in partij_statements():
            conn.execute(statement)
        partij_defaults(conn, False)
        conn.commit()
        timings["counters"] = time.perf_counter() - t

    t = time.perf_counter()
    with psycopg.connect(**info, autocommit=True) as conn:
        for table in TABLES:
            conn.execute(f"VACUUM (ANALYZE) {table}")
        sizes = dict(
            conn.execute(
                "SELECT relname, pg_total_relation_size(oid) FROM pg_class WHERE relname = ANY(%s)",
                [list(TABLES)],
            ).fetchall()
        )
    timings["vacuum_analyze"] = time.perf_counter() - t
    total = time.perf_counter() - started
    rows = sum(rows_per_table.values())
    return {
        "count": count,
        "seed": random_seed,
        "rows": rows_per_table,
        "stats": gen.stats,
        "timings_s": {k: round(v, 2) for k, v in timings.items()},
        "total_s": round(total, 2),
        "rows_per_s_copy": round(rows / timings["copy"]),
        "rows_per_s_total": round(rows / total),
        "klanten_per_s_total": round(count / total),
        "table_bytes": sizes,
        "indexes_rebuilt": len(dropped),
        "vernietigingsdatum": retention is not None,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="klanten (default 1000000)")
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE_URL,
        help="target database (default %(default)s; env BENCH_DATABASE_URL)",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (reproducible data)")
    parser.add_argument("--batch", type=int, default=50_000, help="klanten per COPY batch")
    parser.add_argument(
        "--keep-indexes",
        action="store_true",
        help="COPY into the indexed tables instead of rebuilding the secondary indexes after",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="allow a database whose name does not contain 'bench' (its klanten are deleted)",
    )
    parser.add_argument("--no-migrate", action="store_true", help="skip manage.py migrate")
    parser.add_argument(
        "--recreate",
        action="store_true",
        help="drop and create the database first (its schema then is exactly that of the code "
        "under test: migrations of newer code are not left behind)",
    )
    parser.add_argument(
        "--code",
        metavar="REF",
        help="migrate with the code of this commit (git archive, no checkout) instead of the "
        "working tree; use the same --code for bench/run",
    )
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be at least 1")
    if args.count > 99_999_999:
        parser.error("--count is limited by the 8-digit klantnummer")
    dbname = conninfo(args.database_url)["dbname"]
    if "bench" not in dbname and not args.force:
        parser.error(f"refusing to empty database {dbname!r}: its name lacks 'bench' (--force)")

    if args.code:
        log(f"code under test: {args.code} in {use_code(args.code)}")
    if args.recreate:
        info = conninfo(args.database_url)
        with psycopg.connect(**{**info, "dbname": "postgres"}, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        log(f"dropped database {dbname}")
    if ensure_database(args.database_url):
        log(f"created database {dbname}")
    else:
        # empty first: data migrations of the code under test then have no rows to walk
        with psycopg.connect(**conninfo(args.database_url)) as conn:
            existing = [
                row[0]
                for row in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE tablename = ANY(%s)",
                    [[*TABLES, "datamodel_bevestigingsverzoek", "datamodel_klantbeeldverzoek"]],
                ).fetchall()
            ]
            if existing:
                conn.execute(f"TRUNCATE {', '.join(existing)} RESTART IDENTITY CASCADE")
    if not args.no_migrate:
        log(f"migrating {dbname}")
        t = time.perf_counter()
        manage(args.database_url, "migrate", "--verbosity", "0", stdout=sys.stdout)
        log(f"  migrated in {time.perf_counter() - t:.1f} s")

    log(f"seeding {args.count:,} klanten into {dbname} (seed {args.seed})")
    result = seed(args.database_url, args.count, args.seed, args.keep_indexes, args.batch)
    log(json.dumps(result, indent=2))
    if CODE["ref"]:
        shutil.rmtree(CODE["root"], ignore_errors=True)
    rows = sum(result["rows"].values())
    log(
        f"seeded {args.count:,} klanten / {rows:,} rows in {result['total_s']:.1f} s: "
        f"{result['rows_per_s_total']:,} rows/s overall, {result['rows_per_s_copy']:,} rows/s "
        f"during COPY ({result['klanten_per_s_total']:,} klanten/s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
