"""Log of data managers' access; the settings overview (no table)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
    ]

    operations = [
        migrations.CreateModel(
            name='Instellingen',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
            ],
            options={
                'verbose_name': 'instellingen (omgeving)',
                'verbose_name_plural': 'instellingen (omgeving)',
                'managed': False,
                'default_permissions': ('view',),
            },
        ),
        migrations.CreateModel(
            name='BeheerGebeurtenis',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('tijdstip', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('actie', models.CharField(choices=[('inzage_identificatie', 'Volledige identificatie bekeken'), ('export', 'Gegevens geëxporteerd (privacyverzoek)'), ('vernietiging', 'Klant vernietigd (privacyverzoek)')], max_length=30)),
                ('gebruiker', models.CharField(help_text='Gebruikersnaam van de medewerker.', max_length=255)),
                ('gebruiker_weergave', models.CharField(blank=True, max_length=255)),
                ('klant_uuid', models.UUIDField(db_index=True)),
                ('klant_weergave', models.CharField(blank=True, help_text='bronorganisatie - klantnummer', max_length=40)),
                ('toelichting', models.CharField(blank=True, max_length=500)),
            ],
            options={
                'verbose_name': 'inzage of export door een medewerker',
                'verbose_name_plural': 'inzage- en exportlog',
                'ordering': ('-tijdstip', '-id'),
                'default_permissions': ('view',),
            },
        ),
    ]
