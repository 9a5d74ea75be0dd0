"""Keep KlantTeller exact: statement-level triggers (transition tables, so a COPY of a million
rows costs one counter update per group, not per row)."""

from django.db import migrations

SENTINEL = "'00000000-0000-0000-0000-000000000000'::uuid"

TRIGGERS = f"""
CREATE OR REPLACE FUNCTION datamodel_klantteller_insert() RETURNS trigger AS $$
BEGIN
    INSERT INTO datamodel_klantteller (gevalideerd, geregistreerd_door, shard, aantal)
    SELECT gevalideerd, COALESCE(geregistreerd_door, {SENTINEL}),
           floor(random() * 16)::int, count(*)
    FROM nieuw GROUP BY 1, 2
    ON CONFLICT (gevalideerd, geregistreerd_door, shard)
    DO UPDATE SET aantal = datamodel_klantteller.aantal + EXCLUDED.aantal;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION datamodel_klantteller_delete() RETURNS trigger AS $$
BEGIN
    INSERT INTO datamodel_klantteller (gevalideerd, geregistreerd_door, shard, aantal)
    SELECT gevalideerd, COALESCE(geregistreerd_door, {SENTINEL}),
           floor(random() * 16)::int, -count(*)
    FROM oud GROUP BY 1, 2
    ON CONFLICT (gevalideerd, geregistreerd_door, shard)
    DO UPDATE SET aantal = datamodel_klantteller.aantal + EXCLUDED.aantal;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION datamodel_klantteller_update() RETURNS trigger AS $$
BEGIN
    INSERT INTO datamodel_klantteller (gevalideerd, geregistreerd_door, shard, aantal)
    SELECT gevalideerd, door, floor(random() * 16)::int, sum(delta)
    FROM (
        SELECT gevalideerd, COALESCE(geregistreerd_door, {SENTINEL}) AS door, 1 AS delta
        FROM nieuw
        UNION ALL
        SELECT gevalideerd, COALESCE(geregistreerd_door, {SENTINEL}) AS door, -1 AS delta
        FROM oud
    ) AS wijziging
    GROUP BY 1, 2
    HAVING sum(delta) <> 0
    ON CONFLICT (gevalideerd, geregistreerd_door, shard)
    DO UPDATE SET aantal = datamodel_klantteller.aantal + EXCLUDED.aantal;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION datamodel_klantteller_truncate() RETURNS trigger AS $$
BEGIN
    DELETE FROM datamodel_klantteller;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER datamodel_klantteller_insert AFTER INSERT ON datamodel_klant
    REFERENCING NEW TABLE AS nieuw FOR EACH STATEMENT
    EXECUTE FUNCTION datamodel_klantteller_insert();
CREATE TRIGGER datamodel_klantteller_delete AFTER DELETE ON datamodel_klant
    REFERENCING OLD TABLE AS oud FOR EACH STATEMENT
    EXECUTE FUNCTION datamodel_klantteller_delete();
CREATE TRIGGER datamodel_klantteller_update AFTER UPDATE ON datamodel_klant
    REFERENCING OLD TABLE AS oud NEW TABLE AS nieuw FOR EACH STATEMENT
    EXECUTE FUNCTION datamodel_klantteller_update();
CREATE TRIGGER datamodel_klantteller_truncate AFTER TRUNCATE ON datamodel_klant
    FOR EACH STATEMENT EXECUTE FUNCTION datamodel_klantteller_truncate();

INSERT INTO datamodel_klantteller (gevalideerd, geregistreerd_door, shard, aantal)
SELECT gevalideerd, COALESCE(geregistreerd_door, {SENTINEL}), 0, count(*)
FROM datamodel_klant GROUP BY 1, 2;
"""

DROP = """
DROP TRIGGER datamodel_klantteller_insert ON datamodel_klant;
DROP TRIGGER datamodel_klantteller_delete ON datamodel_klant;
DROP TRIGGER datamodel_klantteller_update ON datamodel_klant;
DROP TRIGGER datamodel_klantteller_truncate ON datamodel_klant;
DROP FUNCTION datamodel_klantteller_insert();
DROP FUNCTION datamodel_klantteller_delete();
DROP FUNCTION datamodel_klantteller_update();
DROP FUNCTION datamodel_klantteller_truncate();
DELETE FROM datamodel_klantteller;
"""


class Migration(migrations.Migration):
    dependencies = [("datamodel", "0006_klantteller")]

    operations = [migrations.RunSQL(TRIGGERS, reverse_sql=DROP)]
