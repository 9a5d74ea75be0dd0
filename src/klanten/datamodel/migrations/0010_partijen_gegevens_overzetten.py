"""K3/K8: carry today's klanten over to the partij tables: each klant's e-mail address and
phone number become its standaard digital addresses, and its subject identification (and a
KvK number it was validated with) its partij-identificatoren. Plain SQL, so a million klanten
take seconds, not hours."""

from django.db import migrations

FORWARD = [
    # e-mail and phone: the standaard address of each kind (normalised as in
    # partijen.normaliseer_adres)
    """
    INSERT INTO datamodel_digitaaladres (uuid, klant_id, soort_digitaal_adres, adres,
        adres_genormaliseerd, is_standaard_adres, omschrijving, referentie, aangemaakt_op)
    SELECT gen_random_uuid(), id, 'email', emailadres, lower(btrim(emailadres)), true, '', '',
        aangemaakt_op
    FROM datamodel_klant WHERE emailadres <> ''
    """,
    """
    INSERT INTO datamodel_digitaaladres (uuid, klant_id, soort_digitaal_adres, adres,
        adres_genormaliseerd, is_standaard_adres, omschrijving, referentie, aangemaakt_op)
    SELECT gen_random_uuid(), id, 'telefoonnummer', telefoonnummer,
        regexp_replace(btrim(telefoonnummer), '[^0-9+]', '', 'g'), true, '', '', aangemaakt_op
    FROM datamodel_klant WHERE telefoonnummer <> ''
    """,
    # identifiers
    """
    INSERT INTO datamodel_partijidentificator (uuid, bronorganisatie, klant_id, code_register,
        code_objecttype, code_soort_object_id, object_id, andere_partij_identificator,
        aangemaakt_op)
    SELECT gen_random_uuid(), k.bronorganisatie, k.id, 'brp', 'natuurlijk_persoon', 'bsn',
        np.inp_bsn, '', k.aangemaakt_op
    FROM datamodel_natuurlijkpersoon np JOIN datamodel_klant k ON k.id = np.klant_id
    WHERE np.inp_bsn <> '' AND k.subject_type = 'natuurlijk_persoon'
    """,
    """
    INSERT INTO datamodel_partijidentificator (uuid, bronorganisatie, klant_id, code_register,
        code_objecttype, code_soort_object_id, object_id, andere_partij_identificator,
        aangemaakt_op)
    SELECT gen_random_uuid(), k.bronorganisatie, k.id, 'hr', 'niet_natuurlijk_persoon', 'rsin',
        nnp.inn_nnp_id, '', k.aangemaakt_op
    FROM datamodel_nietnatuurlijkpersoon nnp JOIN datamodel_klant k ON k.id = nnp.klant_id
    WHERE nnp.inn_nnp_id <> '' AND k.subject_type = 'niet_natuurlijk_persoon'
    """,
    """
    INSERT INTO datamodel_partijidentificator (uuid, bronorganisatie, klant_id, code_register,
        code_objecttype, code_soort_object_id, object_id, andere_partij_identificator,
        aangemaakt_op)
    SELECT gen_random_uuid(), k.bronorganisatie, k.id, 'hr', 'vestiging', 'vestigingsnummer',
        v.vestigings_nummer, '', k.aangemaakt_op
    FROM datamodel_vestiging v JOIN datamodel_klant k ON k.id = v.klant_id
    WHERE v.vestigings_nummer <> '' AND k.subject_type = 'vestiging'
    """,
    """
    INSERT INTO datamodel_partijidentificator (uuid, bronorganisatie, klant_id, code_register,
        code_objecttype, code_soort_object_id, object_id, andere_partij_identificator,
        aangemaakt_op)
    SELECT gen_random_uuid(), bronorganisatie, id, 'hr', 'niet_natuurlijk_persoon',
        'kvk_nummer', gevalideerde_sleutel, '', aangemaakt_op
    FROM datamodel_klant
    WHERE gevalideerd AND gevalideerde_sleutel_type = 'kvk'
    """,
]

BACKWARD = [
    "DELETE FROM datamodel_digitaaladres",
    "DELETE FROM datamodel_partijidentificator",
]


class Migration(migrations.Migration):
    dependencies = [("datamodel", "0009_partijen_en_klantcontacten")]

    operations = [
        migrations.RunSQL(sql=FORWARD, reverse_sql=BACKWARD),
    ]
