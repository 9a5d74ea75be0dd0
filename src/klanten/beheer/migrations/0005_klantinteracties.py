"""Both groups may view the partij-identificatoren and digital addresses of a klant, actoren
and interne taken (``datamodel.view_partijidentificator``, ``view_digitaaladres``,
``view_actor``, ``view_internetaak``; see klanten.beheer.groups)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from klanten.beheer.groups import ensure_groups


def forwards(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    ensure_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("beheer", "0004_contactmomenten"),
        ("datamodel", "0012_contactmomenten"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
