"""C10 pagination: 100 per page, ``{count, next, previous, results}``, 404 beyond the last page.

The exact ``count`` is obtained without a ``count(*)`` whenever possible: a page that is not
full tells the count itself; an unfiltered list sums the klant counter (KlantTeller, kept
exact by database triggers); only a full page of a filtered list counts its (indexed) matches.
"""

from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from .representation import CamelCaseData
from .request_context import per_origin

_MAX_OFFSET = 2**63 - 1


def unfiltered_count(request) -> int:
    """The number of klanten visible to this request (V7), from the counter rows."""
    from . import readsql

    return readsql.unfiltered_count(request)


class KlantenPagination(PageNumberPagination):
    page_size = 100

    def paginate(self, request, fetch, count, *, filtered: bool) -> list:
        """The requested page's rows: ``fetch(limit, offset)`` reads them, ``count()`` counts
        all matches of a filtered list (called only for a full page)."""
        raw = request.query_params.get(self.page_query_param, "1")
        # ASCII digits only: int() also reads "١", " 2", "+2" and "1_0"
        number = int(raw) if raw.isascii() and raw.isdigit() else 0
        offset = (number - 1) * self.page_size
        # beyond PostgreSQL's bigint OFFSET no page can exist (found by fuzzing: a 500)
        if number < 1 or offset > _MAX_OFFSET:
            raise NotFound("Ongeldige pagina.")
        rows = fetch(self.page_size, offset)
        if not rows and number > 1:
            raise NotFound("Ongeldige pagina.")
        if len(rows) < self.page_size:
            total = offset + len(rows)
        elif filtered:
            total = count()
        else:
            total = unfiltered_count(request)
        self.request = request
        self.number = number
        self.count = total
        return rows

    def get_next_link(self):
        if self.number * self.page_size >= self.count:
            return None
        if self.number == 1 and not self.request.META.get("QUERY_STRING"):
            # the first page of an unfiltered list: the same link for every such request
            return per_origin(self.request, ("next", self.request.path), self._next_link)
        return self._next_link()

    def _next_link(self):
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.page_query_param, self.number + 1)

    def get_previous_link(self):
        if self.number <= 1:
            return None
        url = self.request.build_absolute_uri()
        if self.number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.number - 1)

    def get_paginated_response(self, data):
        return Response(
            CamelCaseData(
                count=self.count,
                next=self.get_next_link(),
                previous=self.get_previous_link(),
                results=data,
            )
        )
