"""Database-level backing of the business rules (V3 append-only evidence, one subject kind)."""

from django.db import migrations

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION datamodel_validatie_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'validaties zijn onveranderlijk (append-only)' USING ERRCODE = 'P0001';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER datamodel_validatie_geen_update BEFORE UPDATE ON datamodel_validatie
    FOR EACH ROW EXECUTE FUNCTION datamodel_validatie_append_only();
"""

ONE_SUBJECT_KIND = """
CREATE OR REPLACE FUNCTION datamodel_identificatie_past_bij_subject_type() RETURNS trigger AS $$
DECLARE
    expected text := TG_ARGV[0];
    actual text;
BEGIN
    SELECT subject_type INTO actual FROM datamodel_klant WHERE id = NEW.klant_id;
    IF actual IS DISTINCT FROM expected THEN
        RAISE EXCEPTION 'identificatie % past niet bij subjectType %', expected, actual
            USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER datamodel_np_subject_type BEFORE INSERT OR UPDATE ON datamodel_natuurlijkpersoon
    FOR EACH ROW EXECUTE FUNCTION datamodel_identificatie_past_bij_subject_type('natuurlijk_persoon');
CREATE TRIGGER datamodel_nnp_subject_type BEFORE INSERT OR UPDATE ON datamodel_nietnatuurlijkpersoon
    FOR EACH ROW EXECUTE FUNCTION
        datamodel_identificatie_past_bij_subject_type('niet_natuurlijk_persoon');
CREATE TRIGGER datamodel_vestiging_subject_type BEFORE INSERT OR UPDATE ON datamodel_vestiging
    FOR EACH ROW EXECUTE FUNCTION datamodel_identificatie_past_bij_subject_type('vestiging');
"""


class Migration(migrations.Migration):
    dependencies = [("datamodel", "0002_bevestigingsverzoek_interactie_klantbeeldverzoek_and_more")]

    operations = [
        migrations.RunSQL(
            APPEND_ONLY,
            reverse_sql="DROP TRIGGER datamodel_validatie_geen_update ON datamodel_validatie;"
            "DROP FUNCTION datamodel_validatie_append_only();",
        ),
        migrations.RunSQL(
            ONE_SUBJECT_KIND,
            reverse_sql="DROP TRIGGER datamodel_np_subject_type ON datamodel_natuurlijkpersoon;"
            "DROP TRIGGER datamodel_nnp_subject_type ON datamodel_nietnatuurlijkpersoon;"
            "DROP TRIGGER datamodel_vestiging_subject_type ON datamodel_vestiging;"
            "DROP FUNCTION datamodel_identificatie_past_bij_subject_type();",
        ),
    ]
