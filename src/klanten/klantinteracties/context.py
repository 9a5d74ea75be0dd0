"""The representation context of a request: the API's absolute URL and who asks
(``klanten.datamodel.partijrepresentatie.KIContext``, filled in from the request)."""

from urllib.parse import urlsplit

from klanten.api import visibility
from klanten.datamodel.partijrepresentatie import PREFIX, KIContext

__all__ = ["KIContext", "context_voor"]


def context_voor(request) -> KIContext:
    parts = urlsplit(request.build_absolute_uri("/"))
    applicatie = visibility.requesting_applicatie(request)
    return KIContext(
        basis=f"{parts.scheme}://{parts.netloc}{PREFIX}",
        request=request,
        applicatie_uuid=applicatie.uuid if applicatie is not None else None,
        ziet_alles=visibility.sees_all_non_validated(request),
    )
