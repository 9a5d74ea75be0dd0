"""C10 pagination: 100 per page, ``{count, next, previous, results}``, 404 beyond the last page.

The exact ``count``: a page that is not full tells it itself; for a full page the caller's
``count(rows)`` gives it (the Klanten API's list reads it from its page's rows, which carry it:
``readsql.list_weergaven``; the Contactmomenten API counts its matches in a second statement).
"""

from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from .representation import CamelCaseData
from .request_context import per_origin

_MAX_OFFSET = 2**63 - 1


class KlantenPagination(PageNumberPagination):
    page_size = 100

    def paginate(self, request, fetch, count) -> list:
        """The requested page's rows: ``fetch(limit, offset)`` reads them, ``count(rows)`` gives
        the number of all matches (called only for a full page)."""
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
        total = offset + len(rows) if len(rows) < self.page_size else count(rows)
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
