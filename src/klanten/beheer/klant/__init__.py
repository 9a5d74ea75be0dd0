"""The klanten in the admin, for functional administrators and data managers (docs/admin.md).

One ModelAdmin (``admin.KlantAdmin``), put together from a module per concern:

- ``lijst``: the list and its search. Identifiers are masked there (``*****1234``); digits
  match identifiers exactly, names, phone numbers and e-mail addresses in part only where the
  data manager chose to search; a constant number of queries at any size.
- ``detail``: the detail page and its history (the audit trail): readable labels, levels and
  applications by name, identifiers in full only with ``datamodel.view_volledige_identificatie``
  (logged), only what the user may do.
- ``opslaan``: saving runs the API's rules (identifier formats, one subject of one kind, no
  demotion, one validated klant per BSN per organisation, the subject URL answers, a unique
  klantnummer); a violation is a form error, also when the database catches it first; every
  change is written to the audit trail and notified; the message says what was and was not
  saved.
- ``acties``: export and destruction for privacy requests, and the correction of a validated
  klant's subject identifier (with a permission and a reason).
- ``partij``: the partij view of the Klantinteracties API (soort, indicaties, identifiers
  masked, digital addresses with the standaard one, read-only); ``standaard``: making another
  address the standaard one through the partij service.
- ``forms``, ``inlines``: the forms (address groups as fields: ``adresgroepen``) and the
  inlines (address, identification, evidence read-only, interactions); ``weergave``: how a
  klant is shown (name, heading, level, history).

``klanten.beheer`` depends on ``klanten.datamodel``, never the reverse.
"""
