from django.db import migrations

# The rows a write reads with its lock, read afresh after the lock is held (see
# datamodel/vergrendeling.py). VOLATILE plpgsql: under READ COMMITTED each query in the body
# takes a new snapshot, so called in the select list of a query over an inner
# ``SELECT ... FOR UPDATE`` it sees what a writer that held the lock first committed (a
# subquery or join of the locking statement itself keeps the statement's older snapshot).

KLANT_VERS = """
CREATE OR REPLACE FUNCTION datamodel_klant_vers(kid bigint) RETURNS jsonb
VOLATILE LANGUAGE plpgsql AS $$
BEGIN
    RETURN (SELECT jsonb_build_object(
        'adres', (SELECT to_jsonb(a) FROM datamodel_klantadres a WHERE a.klant_id = kid),
        'natuurlijk_persoon',
            (SELECT to_jsonb(n) FROM datamodel_natuurlijkpersoon n WHERE n.klant_id = kid),
        'niet_natuurlijk_persoon',
            (SELECT to_jsonb(n) FROM datamodel_nietnatuurlijkpersoon n WHERE n.klant_id = kid),
        'vestiging', (SELECT to_jsonb(v) FROM datamodel_vestiging v WHERE v.klant_id = kid),
        'werkte_voor', (
            SELECT jsonb_build_object('id', w.id, 'uuid', w.uuid)
            FROM datamodel_klant k JOIN datamodel_klant w ON w.id = k.werkte_voor_partij_id
            WHERE k.id = kid),
        'partij_identificatoren', (
            SELECT COALESCE(jsonb_agg(to_jsonb(i) || jsonb_build_object('_ref_uuid', s.uuid)
                ORDER BY i.id), '[]'::jsonb)
            FROM datamodel_partijidentificator i
            LEFT JOIN datamodel_partijidentificator s ON s.id = i.sub_identificator_van_id
            WHERE i.klant_id = kid),
        'digitale_adressen', (
            SELECT COALESCE(jsonb_agg(to_jsonb(a) || jsonb_build_object('_ref_uuid', b.uuid)
                ORDER BY a.id), '[]'::jsonb)
            FROM datamodel_digitaaladres a
            LEFT JOIN datamodel_betrokkene b ON b.id = a.betrokkene_id
            WHERE a.klant_id = kid),
        'betrokkenheden', (
            SELECT COALESCE(jsonb_agg(jsonb_build_object('id', b.id, 'uuid', b.uuid,
                'klant_id', b.klant_id) ORDER BY b.id), '[]'::jsonb)
            FROM datamodel_betrokkene b WHERE b.klant_id = kid)
    ));
END
$$
"""

KLANTCONTACT_VERS = """
CREATE OR REPLACE FUNCTION datamodel_klantcontact_vers(kcid bigint) RETURNS jsonb
VOLATILE LANGUAGE plpgsql AS $$
BEGIN
    RETURN (SELECT jsonb_build_object(
        'repr_vorig_uuid', (
            SELECT v.uuid FROM datamodel_klantcontact k
            JOIN datamodel_klantcontact v ON v.id = k.vorig_klantcontact_id WHERE k.id = kcid),
        'repr_volgend_uuid', (
            SELECT v.uuid FROM datamodel_klantcontact v WHERE v.vorig_klantcontact_id = kcid),
        'repr_medewerker', (
            SELECT jsonb_build_object('identificatie', a.object_id, 'achternaam', a.achternaam,
                'voorletters', a.voorletters, 'voorvoegselAchternaam', a.voorvoegsel_achternaam)
            FROM datamodel_actorklantcontact l JOIN datamodel_actor a ON a.id = l.actor_id
            WHERE l.klantcontact_id = kcid AND a.soort_actor = 'medewerker'
            ORDER BY l.id LIMIT 1),
        'ki_betrokkenen', (
            SELECT COALESCE(jsonb_agg(b.uuid ORDER BY b.id), '[]'::jsonb)
            FROM datamodel_betrokkene b WHERE b.klantcontact_id = kcid),
        'ki_onderwerpobjecten', (
            SELECT COALESCE(jsonb_agg(o.uuid ORDER BY o.id), '[]'::jsonb)
            FROM datamodel_onderwerpobject o WHERE o.klantcontact_id = kcid),
        'ki_internetaken', (
            SELECT COALESCE(jsonb_agg(t.uuid ORDER BY t.id), '[]'::jsonb)
            FROM datamodel_internetaak t WHERE t.aanleidinggevend_klantcontact_id = kcid),
        'ki_actoren', (
            SELECT COALESCE(jsonb_agg(jsonb_build_object('uuid', a.uuid, 'naam', a.naam,
                'soort_actor', a.soort_actor, 'indicatie_actief', a.indicatie_actief,
                'object_id', a.object_id, 'code_objecttype', a.code_objecttype,
                'code_register', a.code_register,
                'code_soort_object_id', a.code_soort_object_id,
                'actor_identificatie', a.actor_identificatie) ORDER BY l.id), '[]'::jsonb)
            FROM datamodel_actorklantcontact l JOIN datamodel_actor a ON a.id = l.actor_id
            WHERE l.klantcontact_id = kcid)
    ));
END
$$
"""


class Migration(migrations.Migration):
    dependencies = [
        ("datamodel", "0013_internetaak_nummer"),
    ]

    operations = [
        migrations.RunSQL(KLANT_VERS, "DROP FUNCTION IF EXISTS datamodel_klant_vers(bigint)"),
        migrations.RunSQL(
            KLANTCONTACT_VERS, "DROP FUNCTION IF EXISTS datamodel_klantcontact_vers(bigint)"
        ),
    ]
