"""K2 in the admin: the ``Token`` keys of an API client for the Klantinteracties API, on the
client's page (``klanten.config.admin.APIClientAdmin``). The page lists them by their first
characters (only a hash of a key is stored); a new one is made with the client's form and its
key shown once; ``token_actie`` rotates (the new key shown once, the old one refused at once)
or deactivates one, after a confirmation and only with the right to change the client."""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from . import tokens
from .models import APIToken

TOKEN_ACTIES = {
    "roteren": (
        "Token roteren",
        "Roteren",
        "De token krijgt een nieuwe sleutel, die één keer wordt getoond. De huidige sleutel "
        "werkt direct niet meer: zet de nieuwe sleutel meteen in de applicatie.",
    ),
    "deactiveren": (
        "Token deactiveren",
        "Deactiveren",
        "De sleutel van deze token werkt direct niet meer. Dit kan niet ongedaan worden "
        "gemaakt; maak zo nodig een nieuwe token aan.",
    ),
}


def _token_url(token: APIToken, actie: str) -> str:
    return reverse(
        "admin:klanten_config_apiclientapplicatie_token",
        args=[token.applicatie_id, token.pk, actie],
    )


def tokens_tabel(applicatie) -> str:
    """K2: the client's Klantinteracties keys: their first characters (never the key: only its
    hash is stored), description, status, creation date, and links to rotate or deactivate an
    active one (each after a confirmation). Shown as a table, not an inline: the client's form
    posts as before."""
    rijen = applicatie.tokens.order_by("-actief", "-aangemaakt_op", "-id")
    if not rijen:
        return "Nog geen tokens. Maak er een met 'Nieuwe token aanmaken'."
    koppen = ("Sleutel", "Omschrijving", "Status", "Aangemaakt op", "Acties")
    regels = []
    for token in rijen:
        if token.actief:
            acties = format_html_join(
                " | ",
                '<a href="{}">{}</a>',
                (
                    (_token_url(token, actie), knop)
                    for actie, (_t, knop, _u) in TOKEN_ACTIES.items()
                ),
            )
        else:
            acties = "-"
        regels.append(
            (
                f"{token.voorvoegsel}…",
                token.omschrijving or "-",
                "Actief" if token.actief else "Gedeactiveerd",
                f"{timezone.localtime(token.aangemaakt_op):%d-%m-%Y %H:%M}",
                acties,
            )
        )
    return format_html(
        '<table class="klanten-tokens"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>',
        format_html_join("", "<th>{}</th>", ((kop,) for kop in koppen)),
        format_html_join(
            "",
            "<tr>{}</tr>",
            ((format_html_join("", "<td>{}</td>", ((cel,) for cel in regel)),) for regel in regels),
        ),
    )


class TokenBeheer:
    """The token part of the API-client admin: the rotate and deactivate pages."""

    def get_urls(self):
        return [
            path(
                "<int:applicatie_id>/tokens/<int:token_id>/<str:actie>/",
                self.admin_site.admin_view(self.token_actie),
                name="klanten_config_apiclientapplicatie_token",
            ),
            *super().get_urls(),
        ]

    def token_actie(self, request, applicatie_id, token_id, actie):
        """Rotate or deactivate one of the client's tokens: a confirmation page (GET), the
        change (POST). A rotated key is shown once, in the message."""
        if actie not in TOKEN_ACTIES:
            raise Http404
        applicatie = self.get_object(request, unquote(str(applicatie_id)))
        if applicatie is None:
            raise Http404
        if not self.has_change_permission(request, applicatie):
            raise PermissionDenied
        token = get_object_or_404(APIToken, pk=token_id, applicatie_id=applicatie.pk)
        terug = reverse("admin:klanten_config_apiclientapplicatie_change", args=[applicatie.pk])
        if not token.actief:
            messages.warning(
                request,
                f"Token {token.voorvoegsel}… is gedeactiveerd: die kan niet meer worden "
                "geroteerd of gedeactiveerd. Maak zo nodig een nieuwe token aan.",
            )
            return redirect(terug)
        titel, knop, uitleg = TOKEN_ACTIES[actie]
        if request.method == "POST":
            if actie == "roteren":
                vorige = token.voorvoegsel
                sleutel = tokens.roteer(token)
                messages.success(
                    request,
                    f"De nieuwe sleutel van token {vorige}… is: {sleutel} — bewaar hem nu, hij "
                    "wordt niet opnieuw getoond. De vorige sleutel werkt niet meer.",
                )
            else:
                tokens.deactiveer(token)
                messages.success(
                    request,
                    f"Token {token.voorvoegsel}… is gedeactiveerd: de sleutel werkt niet meer.",
                )
            return redirect(terug)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{titel}?",
            "opts": self.opts,
            "original": applicatie,
            "token": token,
            "actie": actie,
            "knop": knop,
            "uitleg": uitleg,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request, "admin/klanten_config/apiclientapplicatie/token_actie.html", context
        )
