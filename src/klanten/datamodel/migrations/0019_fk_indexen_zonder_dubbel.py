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

INDEXEN = (
    ("datamodel_actorklantcontact", "actor_id", "datamodel_actorklantcontact_actor_id_96f55a12"),
    ("datamodel_betrokkene", "klant_id", "datamodel_betrokkene_klant_id_d57f8bad"),
    ("datamodel_interactie", "klant_id", "datamodel_interactie_klant_id_cd6f484b"),
    ("datamodel_digitaaladres", "betrokkene_id", "datamodel_digitaaladres_betrokkene_id_7f6df563"),
    ("datamodel_digitaaladres", "klant_id", "datamodel_digitaaladres_klant_id_77e285c9"),
    (
        "datamodel_partijidentificator",
        "klant_id",
        "datamodel_partijidentificator_klant_id_f482f0d6",
    ),
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
                for tabel, kolom, naam in INDEXEN
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="actorklantcontact",
                    name="actor",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="klantcontacten",
                        to="datamodel.actor",
                    ),
                ),
                migrations.AlterField(
                    model_name="betrokkene",
                    name="klant",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="betrokkenheden",
                        to="datamodel.klant",
                    ),
                ),
                migrations.AlterField(
                    model_name="interactie",
                    name="klant",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="interacties",
                        to="datamodel.klant",
                    ),
                ),
                migrations.AlterField(
                    model_name="digitaaladres",
                    name="betrokkene",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="digitale_adressen",
                        to="datamodel.betrokkene",
                    ),
                ),
                migrations.AlterField(
                    model_name="digitaaladres",
                    name="klant",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="digitale_adressen",
                        to="datamodel.klant",
                    ),
                ),
                migrations.AlterField(
                    model_name="partijidentificator",
                    name="klant",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="partij_identificatoren",
                        to="datamodel.klant",
                    ),
                ),
            ],
        ),
    ]
