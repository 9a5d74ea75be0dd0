"""V1 in the database: validation never goes back, and a validated klant keeps its key type."""

from django.db import migrations

NO_DEMOTION = """
CREATE OR REPLACE FUNCTION datamodel_klant_geen_degradatie() RETURNS trigger AS $$
BEGIN
    IF OLD.gevalideerd AND NOT NEW.gevalideerd THEN
        RAISE EXCEPTION 'een gevalideerde klant wordt nooit weer niet-gevalideerd'
            USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER datamodel_klant_geen_degradatie BEFORE UPDATE ON datamodel_klant
    FOR EACH ROW WHEN (OLD.gevalideerd AND NOT NEW.gevalideerd)
    EXECUTE FUNCTION datamodel_klant_geen_degradatie();
"""


class Migration(migrations.Migration):
    dependencies = [("datamodel", "0003_database_rules")]

    operations = [
        migrations.RunSQL(
            NO_DEMOTION,
            reverse_sql="DROP TRIGGER datamodel_klant_geen_degradatie ON datamodel_klant;"
            "DROP FUNCTION datamodel_klant_geen_degradatie();",
        )
    ]
