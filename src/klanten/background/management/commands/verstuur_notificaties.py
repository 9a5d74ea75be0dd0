"""C13 by hand (or from cron without a broker): send what is due in the outbox."""

from django.core.management.base import BaseCommand

from klanten.notificaties import bezorging


class Command(BaseCommand):
    help = (
        "Verstuur de notificaties die in de outbox klaarstaan (wat de periodieke taak doet). "
        "Zonder broker: draai dit geregeld (bijvoorbeeld elke minuut vanuit cron)."
    )

    def handle(self, *args, **options):
        resultaat = bezorging.verstuur()
        self.stdout.write(
            f"{resultaat.afgeleverd} afgeleverd, {resultaat.mislukt} mislukte poging(en)."
        )
