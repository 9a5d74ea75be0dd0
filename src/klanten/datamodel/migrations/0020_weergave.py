"""A klant's representation stored as JSON text, written by PostgreSQL (issue 15: reads).

Every table of the Klanten API representation gets a generated column (``STORED``) with its
part of the klant's JSON, in the standard's key order and byte for byte what orjson writes
for ``representation.row_data`` (PostgreSQL's ``to_json`` escapes text as orjson does and
writes no spaces for scalars and arrays of text; the stored groups take every key of the
standard, a missing key its default, an unknown key left out, as ``representation._group``):

- ``datamodel_klant``: ``weergave_gegevens`` (``"bronorganisatie":…`` to ``"emailadres":…``),
  ``weergave_subject`` (``"subject":…,"subjectType":…``), ``weergave_slot``
  (``"aanmaakkanaal":…,"gevalideerd":…``);
- ``datamodel_klantadres``: ``weergave``, the ``adres`` object;
- ``datamodel_natuurlijkpersoon``, ``datamodel_nietnatuurlijkpersoon``, ``datamodel_vestiging``:
  ``weergave``, the ``subjectIdentificatie`` object.

PostgreSQL computes them on every insert and update by any path (API, admin, Klantinteracties,
retention, COPY), so a read joins the parts (``klanten.api.readsql``) instead of rendering 47
columns per klant in Python. The columns are not model fields: Django never writes them.
``tests/test_read_path.py`` pins that the read bodies equal the rendered representation; a
change of the representation changes these expressions in a new migration (drop and add the
columns, which rewrites the tables). Adding them rewrites the five tables once (about 8 s per
100,000 klanten on the benchmark machine).

Each generated column is one PL/pgSQL function of its row's columns (one call per column of a
written row, its expression planned once per session); two SQL functions render the stored
address groups. The three that call those helpers keep the search_path of the migration
(``SET search_path FROM CURRENT``): pg_dump's restore computes the columns under an empty
one. ``to_json`` is only STABLE (its output of dates and times
follows the session's settings; of text, numbers, booleans and arrays of text it does not), so
a generated column needs a function declared IMMUTABLE around it; an SQL function declared so
is never inlined when its body is not immutable, and a first form with one such SQL function
per value (about 35 calls per klant) added 0.8 ms of PostgreSQL CPU to a create.
"""

from django.db import migrations

WEERGAVE = r"""
CREATE FUNCTION klanten_weergave_verblijfsadres(g jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN g IS NULL OR jsonb_typeof(g) = 'null' THEN 'null' ELSE
        '{"aoaIdentificatie":' || coalesce((g -> 'aoaIdentificatie')::text, '""') ||
        ',"wplWoonplaatsNaam":' || coalesce((g -> 'wplWoonplaatsNaam')::text, '""') ||
        ',"gorOpenbareRuimteNaam":' || coalesce((g -> 'gorOpenbareRuimteNaam')::text, '""') ||
        ',"aoaPostcode":' || coalesce((g -> 'aoaPostcode')::text, '""') ||
        ',"aoaHuisnummer":' || coalesce((g -> 'aoaHuisnummer')::text, 'null') ||
        ',"aoaHuisletter":' || coalesce((g -> 'aoaHuisletter')::text, '""') ||
        ',"aoaHuisnummertoevoeging":' || coalesce((g -> 'aoaHuisnummertoevoeging')::text, '""') ||
        ',"inpLocatiebeschrijving":' || coalesce((g -> 'inpLocatiebeschrijving')::text, '""') || '}'
    END
$$;

CREATE FUNCTION klanten_weergave_buitenland(g jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN g IS NULL OR jsonb_typeof(g) = 'null' THEN 'null' ELSE
        '{"lndLandcode":' || coalesce((g -> 'lndLandcode')::text, '""') ||
        ',"lndLandnaam":' || coalesce((g -> 'lndLandnaam')::text, '""') ||
        ',"subAdresBuitenland1":' || coalesce((g -> 'subAdresBuitenland1')::text, '""') ||
        ',"subAdresBuitenland2":' || coalesce((g -> 'subAdresBuitenland2')::text, '""') ||
        ',"subAdresBuitenland3":' || coalesce((g -> 'subAdresBuitenland3')::text, '""') || '}'
    END
$$;

CREATE FUNCTION klanten_weergave_klant_gegevens(bronorganisatie text, klantnummer text, bedrijfsnaam text, functie text, website_url text, voornaam text, voorvoegsel_achternaam text, achternaam text, telefoonnummer text, emailadres text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN
        '"bronorganisatie":' || coalesce(to_json(bronorganisatie)::text, 'null') ||
        ',"klantnummer":' || coalesce(to_json(klantnummer)::text, 'null') ||
        ',"bedrijfsnaam":' || coalesce(to_json(bedrijfsnaam)::text, 'null') ||
        ',"functie":' || coalesce(to_json(functie)::text, 'null') ||
        ',"websiteUrl":' || coalesce(to_json(website_url)::text, 'null') ||
        ',"voornaam":' || coalesce(to_json(voornaam)::text, 'null') ||
        ',"voorvoegselAchternaam":' || coalesce(to_json(voorvoegsel_achternaam)::text, 'null') ||
        ',"achternaam":' || coalesce(to_json(achternaam)::text, 'null') ||
        ',"telefoonnummer":' || coalesce(to_json(telefoonnummer)::text, 'null') ||
        ',"emailadres":' || coalesce(to_json(emailadres)::text, 'null');
END
$$;

CREATE FUNCTION klanten_weergave_klant_subject(subject text, subject_type text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN
        '"subject":' || coalesce(to_json(subject)::text, 'null') ||
        ',"subjectType":' || coalesce(to_json(subject_type)::text, 'null');
END
$$;

CREATE FUNCTION klanten_weergave_klant_slot(aanmaakkanaal text, gevalideerd boolean) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN
        '"aanmaakkanaal":' || coalesce(to_json(aanmaakkanaal)::text, 'null') ||
        ',"gevalideerd":' || coalesce(to_json(gevalideerd)::text, 'null');
END
$$;

CREATE FUNCTION klanten_weergave_adres(straatnaam text, huisnummer integer, huisletter text, huisnummertoevoeging text, postcode text, woonplaats_naam text, landcode text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN
        '{"straatnaam":' || coalesce(to_json(straatnaam)::text, 'null') ||
        ',"huisnummer":' || coalesce(to_json(huisnummer)::text, 'null') ||
        ',"huisletter":' || coalesce(to_json(huisletter)::text, 'null') ||
        ',"huisnummertoevoeging":' || coalesce(to_json(huisnummertoevoeging)::text, 'null') ||
        ',"postcode":' || coalesce(to_json(postcode)::text, 'null') ||
        ',"woonplaatsnaam":' || coalesce(to_json(woonplaats_naam)::text, 'null') ||
        ',"landcode":' || coalesce(to_json(landcode)::text, 'null') || '}';
END
$$;

CREATE FUNCTION klanten_weergave_natuurlijk_persoon(inp_bsn text, anp_identificatie text, inp_a_nummer text, geslachtsnaam text, voorvoegsel_geslachtsnaam text, voorletters text, voornamen text, geslachtsaanduiding text, geboortedatum text, verblijfsadres jsonb, sub_verblijf_buitenland jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
BEGIN
    RETURN
        '{"inpBsn":' || coalesce(to_json(inp_bsn)::text, 'null') ||
        ',"anpIdentificatie":' || coalesce(to_json(anp_identificatie)::text, 'null') ||
        ',"inpANummer":' || coalesce(to_json(inp_a_nummer)::text, 'null') ||
        ',"geslachtsnaam":' || coalesce(to_json(geslachtsnaam)::text, 'null') ||
        ',"voorvoegselGeslachtsnaam":' || coalesce(to_json(voorvoegsel_geslachtsnaam)::text, 'null') ||
        ',"voorletters":' || coalesce(to_json(voorletters)::text, 'null') ||
        ',"voornamen":' || coalesce(to_json(voornamen)::text, 'null') ||
        ',"geslachtsaanduiding":' || coalesce(to_json(geslachtsaanduiding)::text, 'null') ||
        ',"geboortedatum":' || coalesce(to_json(geboortedatum)::text, 'null') ||
        ',"verblijfsadres":' || klanten_weergave_verblijfsadres(verblijfsadres) ||
        ',"subVerblijfBuitenland":' || klanten_weergave_buitenland(sub_verblijf_buitenland) || '}';
END
$$;

CREATE FUNCTION klanten_weergave_niet_natuurlijk_persoon(inn_nnp_id text, ann_identificatie text, statutaire_naam text, inn_rechtsvorm text, bezoekadres text, sub_verblijf_buitenland jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
BEGIN
    RETURN
        '{"innNnpId":' || coalesce(to_json(inn_nnp_id)::text, 'null') ||
        ',"annIdentificatie":' || coalesce(to_json(ann_identificatie)::text, 'null') ||
        ',"statutaireNaam":' || coalesce(to_json(statutaire_naam)::text, 'null') ||
        ',"innRechtsvorm":' || coalesce(to_json(inn_rechtsvorm)::text, 'null') ||
        ',"bezoekadres":' || coalesce(to_json(bezoekadres)::text, 'null') ||
        ',"subVerblijfBuitenland":' || klanten_weergave_buitenland(sub_verblijf_buitenland) || '}';
END
$$;

CREATE FUNCTION klanten_weergave_vestiging(vestigings_nummer text, handelsnaam text[], verblijfsadres jsonb, sub_verblijf_buitenland jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
BEGIN
    RETURN
        '{"vestigingsNummer":' || coalesce(to_json(vestigings_nummer)::text, 'null') ||
        ',"handelsnaam":' || coalesce(to_json(handelsnaam)::text, 'null') ||
        ',"verblijfsadres":' || klanten_weergave_verblijfsadres(verblijfsadres) ||
        ',"subVerblijfBuitenland":' || klanten_weergave_buitenland(sub_verblijf_buitenland) || '}';
END
$$;

ALTER TABLE datamodel_klant
    ADD COLUMN weergave_gegevens text NOT NULL GENERATED ALWAYS AS (klanten_weergave_klant_gegevens(bronorganisatie, klantnummer, bedrijfsnaam, functie, website_url, voornaam, voorvoegsel_achternaam, achternaam, telefoonnummer, emailadres)) STORED,
    ADD COLUMN weergave_subject text NOT NULL GENERATED ALWAYS AS (klanten_weergave_klant_subject(subject, subject_type)) STORED,
    ADD COLUMN weergave_slot text NOT NULL GENERATED ALWAYS AS (klanten_weergave_klant_slot(aanmaakkanaal, gevalideerd)) STORED;

ALTER TABLE datamodel_klantadres
    ADD COLUMN weergave text NOT NULL GENERATED ALWAYS AS (klanten_weergave_adres(straatnaam, huisnummer, huisletter, huisnummertoevoeging, postcode, woonplaats_naam, landcode)) STORED;

ALTER TABLE datamodel_natuurlijkpersoon
    ADD COLUMN weergave text NOT NULL GENERATED ALWAYS AS (klanten_weergave_natuurlijk_persoon(inp_bsn, anp_identificatie, inp_a_nummer, geslachtsnaam, voorvoegsel_geslachtsnaam, voorletters, voornamen, geslachtsaanduiding, geboortedatum, verblijfsadres, sub_verblijf_buitenland)) STORED;

ALTER TABLE datamodel_nietnatuurlijkpersoon
    ADD COLUMN weergave text NOT NULL GENERATED ALWAYS AS (klanten_weergave_niet_natuurlijk_persoon(inn_nnp_id, ann_identificatie, statutaire_naam, inn_rechtsvorm, bezoekadres, sub_verblijf_buitenland)) STORED;

ALTER TABLE datamodel_vestiging
    ADD COLUMN weergave text NOT NULL GENERATED ALWAYS AS (klanten_weergave_vestiging(vestigings_nummer, handelsnaam, verblijfsadres, sub_verblijf_buitenland)) STORED;
"""

ZONDER_WEERGAVE = """
ALTER TABLE datamodel_klant
    DROP COLUMN weergave_gegevens, DROP COLUMN weergave_subject, DROP COLUMN weergave_slot;
ALTER TABLE datamodel_klantadres DROP COLUMN weergave;
ALTER TABLE datamodel_natuurlijkpersoon DROP COLUMN weergave;
ALTER TABLE datamodel_nietnatuurlijkpersoon DROP COLUMN weergave;
ALTER TABLE datamodel_vestiging DROP COLUMN weergave;
DROP FUNCTION klanten_weergave_klant_gegevens, klanten_weergave_klant_subject,
    klanten_weergave_klant_slot, klanten_weergave_adres, klanten_weergave_natuurlijk_persoon,
    klanten_weergave_niet_natuurlijk_persoon, klanten_weergave_vestiging,
    klanten_weergave_verblijfsadres, klanten_weergave_buitenland;
"""


class Migration(migrations.Migration):
    dependencies = [("datamodel", "0019_fk_indexen_zonder_dubbel")]

    operations = [migrations.RunSQL(WEERGAVE, ZONDER_WEERGAVE)]
