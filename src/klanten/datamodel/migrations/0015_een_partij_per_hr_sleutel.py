from django.db import migrations, models
from django.db.models import Q

# K5: one partij per HR key (KvK number, RSIN, vestigingsnummer) per organisation, backed by a
# partial unique index. Rows that already break it (migration 0010 made an identifier for
# every klant of an RSIN or vestigingsnummer, which the Klanten API allows many of; and two
# concurrent writes could both pass the query check) are not deleted: per key the row of the
# validated klant, else the oldest row, stays attached; the others are detached (klant NULL,
# kept with their uuid, as ``partijsync`` would never have made them) and their klant is
# shown as a contactpersoon working for the holder (``werkte_voor_partij``, where it had no
# organisation yet), as ``partijsync`` does for a klant whose HR key another klant holds.
# Their ``subjectIdentificatie`` in the Klanten API is unchanged.

DUBBEL = """
CREATE TEMPORARY TABLE hr_dubbel AS
SELECT i.id, i.klant_id,
    first_value(i.klant_id) OVER w AS houder,
    row_number() OVER w AS rang
FROM datamodel_partijidentificator i JOIN datamodel_klant k ON k.id = i.klant_id
WHERE i.code_soort_object_id IN ('kvk_nummer', 'rsin', 'vestigingsnummer')
WINDOW w AS (PARTITION BY i.bronorganisatie, i.code_soort_object_id, i.object_id
             ORDER BY k.gevalideerd DESC, i.id)
"""

FORWARD = [
    DUBBEL,
    """
    UPDATE datamodel_klant k SET werkte_voor_partij_id = d.houder
    FROM (SELECT DISTINCT ON (klant_id) klant_id, houder FROM hr_dubbel
          WHERE rang > 1 ORDER BY klant_id, id) d
    WHERE k.id = d.klant_id AND k.werkte_voor_partij_id IS NULL AND d.houder <> k.id
    """,
    """
    UPDATE datamodel_partijidentificator i SET klant_id = NULL
    FROM hr_dubbel d WHERE i.id = d.id AND d.rang > 1
    """,
    "DROP TABLE hr_dubbel",
]


class Migration(migrations.Migration):
    dependencies = [("datamodel", "0014_vergrendel_vers")]

    operations = [
        migrations.RunSQL(sql=FORWARD, reverse_sql=migrations.RunSQL.noop),
        migrations.AddConstraint(
            model_name="partijidentificator",
            constraint=models.UniqueConstraint(
                condition=Q(
                    klant__isnull=False,
                    code_soort_object_id__in=["kvk_nummer", "rsin", "vestigingsnummer"],
                ),
                fields=("bronorganisatie", "code_soort_object_id", "object_id"),
                name="een_partij_per_hr_sleutel",
            ),
        ),
    ]
