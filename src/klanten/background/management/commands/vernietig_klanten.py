"""R2 by hand: ``manage.py vernietig_klanten [--dry-run] [--batch-size N] [--herbereken]``."""

from django.core.management.base import BaseCommand, CommandError

from klanten.background import retention
from klanten.datamodel import services
from klanten.datamodel.constants import VernietigingsGrond


class Command(BaseCommand):
    help = (
        "Vernietig de niet-gevalideerde klanten waarvan de bewaartermijn is verstreken (de "
        "taak die Celery beat dagelijks uitvoert). Met --dry-run: toon alleen wat zou worden "
        "vernietigd (aantallen en uuids, geen persoonsgegevens) en wijzig niets."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Toon wat zou worden vernietigd (aantallen en uuids); wijzig niets.",
        )
        parser.add_argument("--batch-size", type=int, default=None, help="Klanten per transactie.")
        parser.add_argument(
            "--herbereken",
            action="store_true",
            help="Leid alleen de vernietigingsdatum van elke niet-gevalideerde klant opnieuw af "
            "(na een wijziging van RETENTION_PERIOD_DAYS of RETENTION_GRACE_DAYS); vernietigt "
            "niets.",
        )

    def handle(self, *args, dry_run=False, batch_size=None, herbereken=False, **options):
        if herbereken and dry_run:
            raise CommandError("--herbereken en --dry-run gaan niet samen.")
        if herbereken:
            changed = services.herbereken_vernietigingsdata()
            self.stdout.write(f"Vernietigingsdatum opnieuw afgeleid: {changed} gewijzigd.")
            return
        if dry_run:
            voorbeeld = retention.voorbeeld()
            self.stdout.write(
                f"Droogloop: {len(voorbeeld.uuids)} klant(en) zouden worden vernietigd."
            )
            for grond in VernietigingsGrond:
                if voorbeeld.per_grond.get(grond.value):
                    self.stdout.write(f"  {grond.value}: {voorbeeld.per_grond[grond.value]}")
            for uuid in voorbeeld.uuids:
                self.stdout.write(uuid)
            return
        run = retention.voer_uit(handmatig=True, batch_size=batch_size)
        self.stdout.write(f"{run.aantal_vernietigd} klant(en) vernietigd.")
