"""The request limits of the API (contract P3), in one place for the application
(``klanten.api.middleware``, problem+json answers) and gunicorn (``klanten.conf.gunicorn``),
whose own limits are set above these so that the application answers first.

No Django imports: gunicorn's master reads this before Django is set up.
"""

# The longest query string the API reads (414): no combination of filters needs more.
MAX_QUERY_STRING = 4096
# The number of header fields, and the size of one (``Name: value``), the API reads (431).
MAX_HEADER_FIELDS = 100
MAX_HEADER_FIELD_SIZE = 8190

# gunicorn's limits, above the application's so that its plain-text 414/431/400 is reached
# only beyond them: its longest request line (8190 is gunicorn's maximum: a request line of
# "GET", a path and a query string of MAX_QUERY_STRING bytes fits with room to spare).
GUNICORN_LIMIT_REQUEST_LINE = 8190
GUNICORN_LIMIT_REQUEST_FIELDS = 128
GUNICORN_LIMIT_REQUEST_FIELD_SIZE = 12288
