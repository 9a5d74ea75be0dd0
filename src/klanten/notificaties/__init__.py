"""Recording changes: the audit trail and the notifications of every write, for any API.

One place that the API, the resident pages, the admin, the services and the background tasks
all use; it imports nothing of Klanten but ``klanten.celery``, so every layer can depend on it
and it depends on none of them (``tests/test_layers.py``). Kanaal, resource, kenmerken and
the audit ``bron`` are parameters (:class:`wijziging.Resource`): nothing here is about klanten.

- :mod:`.wijziging` - ``Resource``, ``Actor``, ``leg_vast`` (one change: an audit record and a
  notification, nothing when the representation did not change), ``leg_verwijderingen_vast``
  (deletions: one record without personal data each), ``notificeer``;
- :mod:`.audit` - audit trail records (``schrijf``, ``van_object``, ``verwijder_van_objecten``);
- :mod:`.berichten` - the notification message, built from data in hand (``bericht``, ``aan``);
- :mod:`.outbox` - the transactional outbox (``plaats``), published after the commit by a
  thread that never makes a request wait on the broker;
- :mod:`.bezorging` - delivery to the Notificaties API (``verstuur``), at least once;
- :mod:`.models` - the outbox table.
"""
