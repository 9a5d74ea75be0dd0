"""The two predefined groups of data managers and the permissions they hold.

``Klantgegevens raadpleger`` reads klanten (identifiers masked); ``Klantgegevens beheerder``
also changes them, sees full identifiers, exports and destroys them for privacy requests (and
sees the tombstones they leave) and corrects the subject of a validated klant. The data
migration creates them; after every ``migrate`` (and a database flush) their permissions are
set again to exactly this list, so the read-only group stays read-only. Other combinations
belong in groups of your own.
"""

from django.apps import apps as global_apps
from django.db.models import Q

RAADPLEGER = "Klantgegevens raadpleger"
BEHEERDER = "Klantgegevens beheerder"

# extra permissions on the klant (besides add/change/delete/view)
VOLLEDIGE_IDENTIFICATIE = "view_volledige_identificatie"
EXPORTEREN = "exporteer_klantgegevens"
CORRIGEREN = "corrigeer_subject"
EXTRA_PERMISSIONS = {
    ("datamodel", "klant"): (
        (
            VOLLEDIGE_IDENTIFICATIE,
            "Kan volledige identificaties zien (BSN, RSIN, KvK-, vestigingsnummer)",
        ),
        (EXPORTEREN, "Kan alle gegevens van klanten exporteren (privacyverzoek)"),
        (CORRIGEREN, "Kan de subjectidentificatie van een gevalideerde klant corrigeren"),
    )
}

_IDENTIFICATIE_MODELS = ("natuurlijkpersoon", "nietnatuurlijkpersoon", "vestiging")
_READ = [
    ("datamodel", f"view_{model}")
    for model in ("klant", "klantadres", *_IDENTIFICATIE_MODELS, "validatie", "interactie")
]
# contactmomenten (read-only in the admin, klanten.beheer.contactmomenten); the permission of
# the proxy model arrives with datamodel migration 0012, granted by beheer migration 0004
CONTACTMOMENTEN = [("datamodel", "view_contactmoment")]
_READ += CONTACTMOMENTEN
# the partij view of a klant, actoren and interne taken of the Klantinteracties API
# (read-only in the admin: klanten.beheer.klant.partij, klanten.beheer.klantinteracties),
# granted by beheer migration 0005_klantinteracties
KLANTINTERACTIES = [
    ("datamodel", f"view_{model}")
    for model in ("partijidentificator", "digitaaladres", "actor", "internetaak")
]
_READ += KLANTINTERACTIES
_WRITE = [
    ("datamodel", f"{action}_{model}")
    for model in ("klant", "klantadres", *_IDENTIFICATIE_MODELS, "interactie")
    for action in ("add", "change", "delete")
]
GROUPS: dict[str, list[tuple[str, str]]] = {
    RAADPLEGER: _READ,
    BEHEERDER: [
        *_READ,
        *_WRITE,
        ("datamodel", VOLLEDIGE_IDENTIFICATIE),
        ("datamodel", EXPORTEREN),
        ("datamodel", CORRIGEREN),
        ("beheer", "view_beheergebeurtenis"),
        # the tombstones of destroyed klanten (uuid, moment, ground; no personal data)
        ("background", "view_vernietigdeklant"),
    ],
}


def ensure_groups(apps=global_apps, *, strict: bool = True, later=()) -> None:
    """Create the extra permissions and both groups, and set the groups' permissions.

    A permission that does not exist (yet) is an error, unless ``strict`` is off (after a
    partial flush in a test run): then the group gets the ones that exist. ``later``: the
    permissions a later migration grants (of models that do not exist yet at this one)."""
    content_type_model = apps.get_model("contenttypes", "ContentType")
    permission_model = apps.get_model("auth", "Permission")
    group_model = apps.get_model("auth", "Group")
    for (app_label, model), permissions in EXTRA_PERMISSIONS.items():
        content_type, _ = content_type_model.objects.get_or_create(app_label=app_label, model=model)
        for codename, name in permissions:
            permission_model.objects.update_or_create(
                content_type=content_type, codename=codename, defaults={"name": name}
            )
    for name, wanted in GROUPS.items():
        group, _ = group_model.objects.get_or_create(name=name)
        query = Q()
        wanted = [permission for permission in wanted if permission not in later]
        for app_label, codename in wanted:
            query |= Q(content_type__app_label=app_label, codename=codename)
        permissions = list(permission_model.objects.filter(query))
        missing = set(wanted) - {(p.content_type.app_label, p.codename) for p in permissions}
        if missing and strict:
            raise RuntimeError(f"Permissions missing for group {name!r}: {sorted(missing)}")
        group.permissions.set(permissions)


def ensure_groups_after_migrate(sender, apps=global_apps, using="default", **kwargs):
    if not apps.is_installed("klanten.datamodel"):
        return
    ensure_groups(global_apps, strict=False)
