"""The data managers' admin of Klanten (docs/admin.md): the klant admin (``klant/``), the
pieces every further admin page shares (``basis``: the linked error summary and the base
change form; ``site``: the product's name; ``lijst``: capped counts and cached filters),
groups and permissions, masking, the access log, privacy-request exports and destruction, and
the read-only overview of the environment settings. It depends on ``klanten.datamodel``,
never the reverse."""
