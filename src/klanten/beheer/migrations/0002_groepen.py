"""The predefined groups ``Klantgegevens beheerder`` and ``Klantgegevens raadpleger`` and the
extra permissions on the klant (see klanten.beheer.groups)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from klanten.beheer.groups import (
    CONTACTMOMENTEN,
    EXTRA_PERMISSIONS,
    GROUPS,
    KLANTINTERACTIES,
    ensure_groups,
)


def forwards(apps, schema_editor):
    # the default permissions are created after migrate (post_migrate); create them now
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    # the contactmomenten' permissions come with datamodel 0011 (beheer 0003 grants them),
    # those of the Klantinteracties tables with datamodel 0009 (beheer 0005_klantinteracties)
    ensure_groups(apps, later=[*CONTACTMOMENTEN, *KLANTINTERACTIES])


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()
    permission_model = apps.get_model("auth", "Permission")
    for (app_label, _model), permissions in EXTRA_PERMISSIONS.items():
        permission_model.objects.filter(
            content_type__app_label=app_label, codename__in=[p[0] for p in permissions]
        ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("beheer", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("datamodel", "0004_geen_degradatie"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
