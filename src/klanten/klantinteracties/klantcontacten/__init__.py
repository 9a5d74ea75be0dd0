"""The klantcontacten side of the Klantinteracties API (klantcontacten, betrokkenen, actoren,
actorklantcontacten, onderwerpobjecten, internetaken, maak-klantcontact). Its ``urls.py`` is
included by ``klanten.klantinteracties.urls``."""
