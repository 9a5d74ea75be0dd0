"""The klant admin, put together from its parts (see ``klanten.beheer.klant``)."""

from django.contrib import admin

from klanten.beheer.basis import BeheerAdmin
from klanten.datamodel.models import Klant

from .acties import KlantActies
from .detail import KlantDetail
from .forms import URL_OVERRIDES, KlantForm
from .lijst import KlantLijst
from .opslaan import KlantOpslaan
from .partij import KlantPartij
from .standaard import StandaardAdres


@admin.register(Klant)
class KlantAdmin(
    KlantLijst, KlantDetail, KlantPartij, StandaardAdres, KlantOpslaan, KlantActies, BeheerAdmin
):
    form = KlantForm
    formfield_overrides = URL_OVERRIDES
