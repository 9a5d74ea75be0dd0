"""K1: ``page`` and ``pageSize`` (default 100, at most 500; a larger value gives 500, as Open
Klant's ``DynamicPageSizePagination``; one that is no positive integer is a 400),
``{count, next, previous, results}`` with absolute ``next``/``previous``; a page beyond the
last is a 404 (problem JSON)."""

from rest_framework.exceptions import ErrorDetail, NotFound, ValidationError

from klanten.api.pagination import KlantenPagination

_MAX_OFFSET = 2**63 - 1


def _positief(raw: str | None) -> int | None:
    # ASCII digits only: int() also reads "١", " 2", "+2" and "1_0"
    if raw is None or not raw.isascii() or not raw.isdigit() or len(raw) > 19:
        return None
    value = int(raw)
    return value if value > 0 else None


class KlantinteractiesPagination(KlantenPagination):
    """The Klanten API's links and answer; the page size is the client's (``pageSize``)."""

    page_size_query_param = "pageSize"
    max_page_size = 500

    def eerste_pagina(self, rijen, aantal, request, grootte: int | None = None) -> list:
        """:meth:`paginate_queryset` of a request without ``page`` (and with ``pageSize``
        ``grootte``, or none) from ``rijen(limit)`` (the rows) and ``aantal()`` (the number
        of matches, asked only for a full page)."""
        self.page_size = grootte or type(self).page_size
        rows = rijen(self.page_size)
        self.count = len(rows) if len(rows) < self.page_size else aantal()
        self.request = request
        self.number = 1
        return rows

    def paginate_queryset(self, queryset, request, view=None) -> list:
        """The rows of the requested page; counts the matches only for a full page."""
        raw_size = request.query_params.get(self.page_size_query_param)
        page_size = _positief(raw_size)
        if raw_size is not None and page_size is None:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        ErrorDetail("Een positief geheel getal.", code="invalid")
                    ]
                }
            )
        # this request's size: the links and the count of the Klanten API's pagination read it
        self.page_size = min(page_size or type(self).page_size, self.max_page_size)
        number = _positief(request.query_params.get(self.page_query_param, "1"))
        if number is None:
            raise NotFound("Ongeldige pagina.")
        offset = (number - 1) * self.page_size
        if offset > _MAX_OFFSET:
            raise NotFound("Ongeldige pagina.")
        rows = list(queryset[offset : offset + self.page_size])
        if not rows and number > 1:
            raise NotFound("Ongeldige pagina.")
        if len(rows) < self.page_size:
            self.count = offset + len(rows)
        else:
            self.count = view.aantal(queryset) if view is not None else queryset.order_by().count()
        self.request = request
        self.number = number
        return rows
