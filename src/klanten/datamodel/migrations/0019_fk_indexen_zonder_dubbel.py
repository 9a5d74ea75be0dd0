"""Drop six foreign-key indexes that other indexes already serve (one index write fewer for
every row of these tables a write inserts or moves):

- ``digitaaladres.klant``: ``digitaaladres_klant_idx (klant, id)``;
- ``digitaaladres.betrokkene``: ``digitaaladres_betrokkene_idx (betrokkene, id)``;
- ``betrokkene.klant``: ``betrokkene_klant_idx (klant, id)``;
- ``interactie.klant``: ``interactie_uniek_per_klant_url_rol (klant, url, rol)``;
- ``actorklantcontact.actor``: ``actorklantcontact_uniek (actor, klantcontact)``;
- ``partijidentificator.klant``: ``partijidentificator_een_per_soort (klant, soort) WHERE klant
  IS NOT NULL`` (``klant_id = $1`` and ``= ANY($1)`` imply the condition, also in a generic
  plan: checked with EXPLAIN).

Only the indexes are dropped (``SeparateDatabaseAndState``): Django's ``AlterField`` would also
drop and re-add each foreign-key constraint, which validates the whole table under lock.
"""

import django.db.models.deletion
from django.db import migrations, models

# (table, column, index, model, field, on_delete, related_name, target, nullable)
INDEXEN = (
    (
        "datamodel_actorklantcontact",
        "actor_id",
        "datamodel_actorklantcontact_actor_id_96f55a12",
        "actorklantcontact",
        "actor",
        django.db.models.deletion.CASCADE,
        "klantcontacten",
        "datamodel.actor",
        False,
    ),
    (
        "datamodel_betrokkene",
        "klant_id",
        "datamodel_betrokkene_klant_id_d57f8bad",
        "betrokkene",
        "klant",
        django.db.models.deletion.SET_NULL,
        "betrokkenheden",
        "datamodel.klant",
        True,
    ),
    (
        "datamodel_interactie",
        "klant_id",
        "datamodel_interactie_klant_id_cd6f484b",
        "interactie",
        "klant",
        django.db.models.deletion.CASCADE,
        "interacties",
        "datamodel.klant",
        False,
    ),
    (
        "datamodel_digitaaladres",
        "betrokkene_id",
        "datamodel_digitaaladres_betrokkene_id_7f6df563",
        "digitaaladres",
        "betrokkene",
        django.db.models.deletion.SET_NULL,
        "digitale_adressen",
        "datamodel.betrokkene",
        True,
    ),
    (
        "datamodel_digitaaladres",
        "klant_id",
        "datamodel_digitaaladres_klant_id_77e285c9",
        "digitaaladres",
        "klant",
        django.db.models.deletion.SET_NULL,
        "digitale_adressen",
        "datamodel.klant",
        True,
    ),
    (
        "datamodel_partijidentificator",
        "klant_id",
        "datamodel_partijidentificator_klant_id_f482f0d6",
        "partijidentificator",
        "klant",
        django.db.models.deletion.CASCADE,
        "partij_identificatoren",
        "datamodel.klant",
        True,
    ),
)


def _veld(on_delete, related_name, to, nullable):
    return models.ForeignKey(
        blank=nullable,
        db_index=False,
        null=nullable,
        on_delete=on_delete,
        related_name=related_name,
        to=to,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("datamodel", "0018_klantadres_land_idx"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{naam}"',
                    reverse_sql=f'CREATE INDEX IF NOT EXISTS "{naam}" ON "{tabel}" ("{kolom}")',
                )
                for tabel, kolom, naam, *_veld_ in INDEXEN
            ],
            state_operations=[
                migrations.AlterField(
                    model_name=model, name=veld, field=_veld(on_delete, related, to, nullable)
                )
                for _t, _k, _n, model, veld, on_delete, related, to, nullable in INDEXEN
            ],
        ),
    ]
