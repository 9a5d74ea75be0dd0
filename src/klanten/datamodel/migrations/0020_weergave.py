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
columns, which rewrites the tables). Adding them rewrites the five tables once (about 6 s per
100,000 klanten on the benchmark machine).
"""

from django.db import migrations

WEERGAVE = r"""
CREATE FUNCTION klanten_json(waarde anyelement) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT coalesce(to_json(waarde)::text, 'null')
$$;

CREATE FUNCTION klanten_json_verblijfsadres(g jsonb) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT CASE WHEN g IS NULL OR jsonb_typeof(g) = 'null' THEN 'null' ELSE
'{' || '"aoaIdentificatie":' || coalesce((g -> 'aoaIdentificatie')::text, '""') ||
    ',"wplWoonplaatsNaam":' || coalesce((g -> 'wplWoonplaatsNaam')::text, '""') ||
    ',"gorOpenbareRuimteNaam":' || coalesce((g -> 'gorOpenbareRuimteNaam')::text, '""') ||
    ',"aoaPostcode":' || coalesce((g -> 'aoaPostcode')::text, '""') ||
    ',"aoaHuisnummer":' || coalesce((g -> 'aoaHuisnummer')::text, 'null') ||
    ',"aoaHuisletter":' || coalesce((g -> 'aoaHuisletter')::text, '""') ||
    ',"aoaHuisnummertoevoeging":' || coalesce((g -> 'aoaHuisnummertoevoeging')::text, '""') ||
    ',"inpLocatiebeschrijving":' || coalesce((g -> 'inpLocatiebeschrijving')::text, '""') || '}' END
$$;

CREATE FUNCTION klanten_json_buitenland(g jsonb) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT CASE WHEN g IS NULL OR jsonb_typeof(g) = 'null' THEN 'null' ELSE
'{' || '"lndLandcode":' || coalesce((g -> 'lndLandcode')::text, '""') ||
    ',"lndLandnaam":' || coalesce((g -> 'lndLandnaam')::text, '""') ||
    ',"subAdresBuitenland1":' || coalesce((g -> 'subAdresBuitenland1')::text, '""') ||
    ',"subAdresBuitenland2":' || coalesce((g -> 'subAdresBuitenland2')::text, '""') ||
    ',"subAdresBuitenland3":' || coalesce((g -> 'subAdresBuitenland3')::text, '""') || '}' END
$$;

ALTER TABLE datamodel_klant
  ADD COLUMN weergave_gegevens text NOT NULL GENERATED ALWAYS AS (
'"bronorganisatie":' || klanten_json(bronorganisatie) ||
    ',"klantnummer":' || klanten_json(klantnummer) ||
    ',"bedrijfsnaam":' || klanten_json(bedrijfsnaam) ||
    ',"functie":' || klanten_json(functie) ||
    ',"websiteUrl":' || klanten_json(website_url) ||
    ',"voornaam":' || klanten_json(voornaam) ||
    ',"voorvoegselAchternaam":' || klanten_json(voorvoegsel_achternaam) ||
    ',"achternaam":' || klanten_json(achternaam) ||
    ',"telefoonnummer":' || klanten_json(telefoonnummer) ||
    ',"emailadres":' || klanten_json(emailadres)
  ) STORED,
  ADD COLUMN weergave_subject text NOT NULL GENERATED ALWAYS AS (
'"subject":' || klanten_json(subject) ||
    ',"subjectType":' || klanten_json(subject_type)
  ) STORED,
  ADD COLUMN weergave_slot text NOT NULL GENERATED ALWAYS AS (
'"aanmaakkanaal":' || klanten_json(aanmaakkanaal) ||
    ',"gevalideerd":' || klanten_json(gevalideerd)
  ) STORED;

ALTER TABLE datamodel_klantadres ADD COLUMN weergave text NOT NULL GENERATED ALWAYS AS (
'{' || '"straatnaam":' || klanten_json(straatnaam) ||
    ',"huisnummer":' || klanten_json(huisnummer) ||
    ',"huisletter":' || klanten_json(huisletter) ||
    ',"huisnummertoevoeging":' || klanten_json(huisnummertoevoeging) ||
    ',"postcode":' || klanten_json(postcode) ||
    ',"woonplaatsnaam":' || klanten_json(woonplaats_naam) ||
    ',"landcode":' || klanten_json(landcode) || '}'
) STORED;

ALTER TABLE datamodel_natuurlijkpersoon ADD COLUMN weergave text NOT NULL GENERATED ALWAYS AS (
'{' || '"inpBsn":' || klanten_json(inp_bsn) ||
    ',"anpIdentificatie":' || klanten_json(anp_identificatie) ||
    ',"inpANummer":' || klanten_json(inp_a_nummer) ||
    ',"geslachtsnaam":' || klanten_json(geslachtsnaam) ||
    ',"voorvoegselGeslachtsnaam":' || klanten_json(voorvoegsel_geslachtsnaam) ||
    ',"voorletters":' || klanten_json(voorletters) ||
    ',"voornamen":' || klanten_json(voornamen) ||
    ',"geslachtsaanduiding":' || klanten_json(geslachtsaanduiding) ||
    ',"geboortedatum":' || klanten_json(geboortedatum) ||
    ',"verblijfsadres":' || klanten_json_verblijfsadres(verblijfsadres) ||
    ',"subVerblijfBuitenland":' || klanten_json_buitenland(sub_verblijf_buitenland) || '}'
) STORED;

ALTER TABLE datamodel_nietnatuurlijkpersoon ADD COLUMN weergave text NOT NULL GENERATED ALWAYS AS (
'{' || '"innNnpId":' || klanten_json(inn_nnp_id) ||
    ',"annIdentificatie":' || klanten_json(ann_identificatie) ||
    ',"statutaireNaam":' || klanten_json(statutaire_naam) ||
    ',"innRechtsvorm":' || klanten_json(inn_rechtsvorm) ||
    ',"bezoekadres":' || klanten_json(bezoekadres) ||
    ',"subVerblijfBuitenland":' || klanten_json_buitenland(sub_verblijf_buitenland) || '}'
) STORED;

ALTER TABLE datamodel_vestiging ADD COLUMN weergave text NOT NULL GENERATED ALWAYS AS (
'{' || '"vestigingsNummer":' || klanten_json(vestigings_nummer) ||
    ',"handelsnaam":' || klanten_json(handelsnaam) ||
    ',"verblijfsadres":' || klanten_json_verblijfsadres(verblijfsadres) ||
    ',"subVerblijfBuitenland":' || klanten_json_buitenland(sub_verblijf_buitenland) || '}'
) STORED;
"""

ZONDER_WEERGAVE = """
ALTER TABLE datamodel_klant
  DROP COLUMN weergave_gegevens, DROP COLUMN weergave_subject, DROP COLUMN weergave_slot;
ALTER TABLE datamodel_klantadres DROP COLUMN weergave;
ALTER TABLE datamodel_natuurlijkpersoon DROP COLUMN weergave;
ALTER TABLE datamodel_nietnatuurlijkpersoon DROP COLUMN weergave;
ALTER TABLE datamodel_vestiging DROP COLUMN weergave;
DROP FUNCTION klanten_json_buitenland(jsonb);
DROP FUNCTION klanten_json_verblijfsadres(jsonb);
DROP FUNCTION klanten_json(anyelement);
"""


class Migration(migrations.Migration):
    dependencies = [("datamodel", "0019_fk_indexen_zonder_dubbel")]

    operations = [migrations.RunSQL(WEERGAVE, ZONDER_WEERGAVE)]
