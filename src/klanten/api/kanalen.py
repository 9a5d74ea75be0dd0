from notifications_api_common.kanalen import Kanaal

from klanten.datamodel.models import Klant

KANAAL_KLANTEN = Kanaal("klanten", main_resource=Klant, kenmerken=("subject_type",))
