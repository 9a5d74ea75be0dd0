"""``manage.py demo_setup``: a demo API client with all rights and an example request.

For local development (bin/run): the client ``klanten-demo`` gets a random secret that is
generated once and kept in ``var/demo-secret``, so every run prints the same credentials.
"""

import os
import secrets
import shlex
import time
from pathlib import Path

import jwt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from klanten.config.clients import APIClient, save_api_client
from klanten.config.models import ValidatieRecht

CLIENT_ID = "klanten-demo"
LABEL = "Klanten demo (bin/run)"


def existing_maximale_rang(client_id: str) -> int | None:
    recht = ValidatieRecht.objects.filter(applicatie__client_ids__contains=[client_id]).first()
    return recht.maximale_rang if recht else None


def read_or_create_secret(path: Path) -> str:
    if path.exists():
        secret = path.read_text().strip()
        if secret:
            return secret
    secret = secrets.token_urlsafe(36)  # 48 characters
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret + "\n")
    return secret


def make_token(client_id: str, secret: str, user_id: str, user_representation: str) -> str:
    """A ZGW JWT (HS256); valid for JWT_EXPIRY seconds after ``iat``."""
    payload = {
        "iss": client_id,
        "iat": int(time.time()),
        "client_id": client_id,
        "user_id": user_id,
        "user_representation": user_representation,
    }
    return jwt.encode(payload, secret, algorithm="HS256")


class Command(BaseCommand):
    help = (
        "Create (or update) the demo API client 'klanten-demo' with all rights and print its "
        "credentials and an example curl request. Development only (DEBUG=true)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--secret-file",
            default=str(Path(settings.BASE_DIR) / "var" / "demo-secret"),
            help="where the generated secret is kept (default: var/demo-secret)",
        )
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="root URL of the running server, for the example request",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="also run when DEBUG is off (creates a client with all rights!)",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "demo_setup creates a client with all rights and is meant for development "
                "(DEBUG=true); pass --force to run it anyway."
            )
        secret = read_or_create_secret(Path(options["secret_file"]))
        save_api_client(
            APIClient(
                client_id=CLIENT_ID,
                secret=secret,
                label=LABEL,
                heeft_alle_autorisaties=True,
                # keep a maximum assurance rank a developer gave the demo client in the admin
                maximale_rang=existing_maximale_rang(CLIENT_ID),
            )
        )
        token = make_token(CLIENT_ID, secret, "demo", "Demo gebruiker")
        url = f"{options['base_url'].rstrip('/')}/klanten/api/v1/klanten"
        expiry_minutes = settings.JWT_EXPIRY // 60
        curl = " ".join(
            ["curl", "-sS", "-H", shlex.quote(f"Authorization: Bearer {token}"), shlex.quote(url)]
        )
        self.stdout.write(
            "\n".join(
                [
                    f"Demo API client (all rights): stored in {options['secret_file']}",
                    f"  client_id: {CLIENT_ID}",
                    f"  secret:    {secret}",
                    f"List klanten (token valid for {expiry_minutes} minutes after issue):",
                    f"  {curl}",
                    "",
                ]
            )
        )
