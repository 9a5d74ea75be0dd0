"""Klantcontacten for the Klantinteracties list reads of ``bench/read_cpu.py`` (``bench/seed``
makes none): through the API in-process, as KISS and Open Inwoner write them. For the first
``--partijen`` validated klanten: 1 to 8 klantcontacten each (kanaal ``bench-geschiedenis``)
with a betrokkene that was the partij, and an onderwerpobject per klantcontact (an answer
pointing at the partij's previous klantcontact); ``--actoren`` medewerkers with an e-mail
identificator. Run once per seeded database::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/klanten_bench ALLOWED_HOSTS="*" \\
    DJANGO_SETTINGS_MODULE=benchsettings PYTHONPATH=bench:src DEBUG=false SECRET_KEY=x \\
    .venv/bin/python bench/ki_geschiedenis.py --partijen 60 --actoren 20

Scenarios (``bench/loadgen.py``): ``ki_betrokkenen_partij``, ``ki_actor_email``,
``ki_klantcontacten_kanaal``, ``ki_onderwerpobjecten_was``.
"""

import argparse
import json
import os
import random
import secrets
import sys

import django

django.setup()

import loadgen  # noqa: E402
from django.test import Client  # noqa: E402

KANAAL = "bench-geschiedenis"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--partijen", type=int, default=60)
    parser.add_argument("--actoren", type=int, default=20)
    args = parser.parse_args()
    from klanten.config.clients import APIClient, save_api_client
    from klanten.datamodel.models import Klant

    client_id = "bench-ki-geschiedenis"
    secret = secrets.token_hex(16)
    save_api_client(
        APIClient(client_id=client_id, secret=secret, label="Bench", heeft_alle_autorisaties=True)
    )
    os.environ["BENCH_CLIENT_ID"], os.environ["BENCH_CLIENT_SECRET"] = client_id, secret
    client = Client(HTTP_AUTHORIZATION=f"Bearer {loadgen.make_token()}", HTTP_HOST="127.0.0.1")

    def post(collectie: str, body: dict) -> dict:
        response = client.post(
            f"{loadgen.KI_API}/{collectie}", json.dumps(body), content_type="application/json"
        )
        assert response.status_code == 201, response.content[:300]
        return response.json()

    rng = random.Random(7)
    uuids = list(
        Klant.objects.filter(gevalideerd=True)
        .order_by("id")
        .values_list("uuid", flat=True)[: args.partijen]
    )
    contacten = 0
    for uuid in uuids:
        vorige = None
        for i in range(rng.randint(1, 8)):
            klantcontact = post(
                "klantcontacten",
                {
                    "kanaal": KANAAL,
                    "onderwerp": f"Vraag {i}",
                    "inhoud": "Wanneer wordt het afval opgehaald?",
                    "taal": "nld",
                    "vertrouwelijk": False,
                },
            )
            post(
                "betrokkenen",
                {
                    "wasPartij": {"uuid": str(uuid)},
                    "hadKlantcontact": {"uuid": klantcontact["uuid"]},
                    "rol": "klant",
                    "initiator": True,
                },
            )
            post(
                "onderwerpobjecten",
                {
                    "klantcontact": {"uuid": klantcontact["uuid"]},
                    "wasKlantcontact": {"uuid": vorige} if vorige else None,
                    "onderwerpobjectidentificator": {"objectId": f"ZAAK-{contacten}"},
                },
            )
            vorige = klantcontact["uuid"]
            contacten += 1
    for i in range(args.actoren):
        post(
            "actoren",
            {
                "naam": f"Medewerker {i}",
                "soortActor": "medewerker",
                "actoridentificator": {
                    "objectId": f"medewerker{i}@bench.example",
                    "codeObjecttype": "mdw",
                    "codeRegister": "msei",
                    "codeSoortObjectId": "email",
                },
            },
        )
    print(f"{len(uuids)} partijen, {contacten} klantcontacten, {args.actoren} actoren")
    return 0


if __name__ == "__main__":
    sys.exit(main())
