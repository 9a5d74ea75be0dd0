from django.urls import path

from . import views

app_name = "mijn"

urlpatterns = [
    path("", views.overzicht, name="overzicht"),
    path("inloggen", views.inloggen, name="inloggen"),
    path("inloggen/mislukt", views.aanmelden_mislukt, name="aanmelden-mislukt"),
    path("uitloggen", views.uitloggen, name="uitloggen"),
    path("uitgelogd", views.uitgelogd, name="uitgelogd"),
    path("registreren", views.registreren, name="registreren"),
    path("<uuid:uuid>/wijzigen", views.wijzigen, name="wijzigen"),
    path("<uuid:uuid>/verwijderen", views.verwijderen, name="verwijderen"),
    path("bevestigen/", views.bevestigen, name="bevestigen"),
    path("bevestigen/<str:token>", views.bevestigen_link, name="bevestigen-link"),
]
