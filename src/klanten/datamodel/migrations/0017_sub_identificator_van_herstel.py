from django.db import migrations

# K5: a ``subIdentificatorVan`` names only a KvK number, never the identifier itself
# (``rules.require_sub_identificator_van_kvk``). Identifiers written before that rule may name
# a BSN, an RSIN or any other row, or themselves: deleting the klant of the named row then met
# the protected reference (``on_delete=PROTECT``) and failed (a 500; the retention batch on
# every run). This step clears every such reference (``sub_identificator_van`` NULL); a
# reference to a KvK number of another row stays.
#
# Recording (K10), as migration 0015 does and with its helpers (``datamodel.partijherstel``,
# on the historical models of this state): each partij whose representation changes (an
# identifier of it loses its ``subIdentificatorVan``) gets one ``partial_update`` audit record
# (bron ``ki``) and one notification on kanaal ``partijen`` (when a Notificaties API is
# configured; left in the outbox), an identifier without a partij one of its own
# (``partijidentificator``), as the API records such a change; nothing repaired, nothing
# recorded. Locks: the klanten of the repaired rows FOR UPDATE in id order (batches of 500),
# before their rows are read and changed. The same repair runs at runtime when a deletion
# still meets such a reference (written by an old instance during a rolling deploy):
# ``services.verwijder_klanten`` / ``partijherstel.HerstelNodig``.

ACTOR_WEERGAVE = "Klanten (migratie 0017)"


def herstel(apps, schema_editor):
    from klanten.datamodel import partijherstel
    from klanten.notificaties import audit

    actor = audit.Actor(
        applicatie_weergave=ACTOR_WEERGAVE, toelichting=partijherstel.HERSTEL_TOELICHTING
    )
    partijherstel.herstel_sub_identificatoren(apps, schema_editor.connection, actor)


class Migration(migrations.Migration):
    dependencies = [
        ("datamodel", "0016_klantadres_land_iso"),
        ("audittrails", "0019_alter_audittrail_options"),
        ("background", "0002_notificatie_backoff"),
    ]

    operations = [migrations.RunPython(herstel, migrations.RunPython.noop)]
