from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from .representation import CamelCaseData


class KlantenPagination(PageNumberPagination):
    page_size = 100

    def get_paginated_response(self, data):
        return Response(
            CamelCaseData(
                count=self.page.paginator.count,
                next=self.get_next_link(),
                previous=self.get_previous_link(),
                results=data,
            )
        )
