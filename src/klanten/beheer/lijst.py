"""What keeps a list of the data managers' admin fast at any size and readable: a capped
count, cached filter choices, and bronorganisaties by name. (The klanten search:
``klanten.beheer.klant.lijst``.)"""

import json

from django.contrib import admin
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

from klanten import huisstijl


class BegrensdeTellingPaginator(Paginator):
    """Counts at most ``limiet`` + 1 rows (``SELECT count(*) FROM (... LIMIT n)``): exact up
    to ``limiet``, beyond that PostgreSQL's estimate of the plan (``geschat`` is then True)
    instead of a count of the whole (filtered) table."""

    limiet = 10_000

    @cached_property
    def count(self):
        queryset = self.object_list.order_by()
        aantal = queryset[: self.limiet + 1].count()
        self.geschat = aantal > self.limiet
        if not self.geschat:
            return aantal
        return max(self.limiet + 1, _schatting(queryset))


def _schatting(queryset) -> int:
    """The planner's estimate of the number of rows of a query (no rows are read)."""
    sql, params = queryset.values("pk").query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class GecachteWaardenFilter(admin.AllValuesFieldListFilter):
    """The distinct values of a column as filter choices, remembered for a minute: no scan of
    the klanten table on every page view."""

    cache_seconden = 60

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        key = f"klanten.beheer.filter.{model._meta.label_lower}.{field_path}"
        keuzes = cache.get(key)
        if keuzes is None:
            keuzes = [value for value in self.lookup_choices if value not in (None, "")]
            cache.set(key, keuzes, self.cache_seconden)
        self.lookup_choices = keuzes


class BronorganisatieFilter(GecachteWaardenFilter):
    """The bronorganisaties by name where it is known (``BRONORGANISATIE_NAMES``,
    ``ORGANIZATION_NAME``), else by RSIN."""

    def choices(self, changelist):
        for choice in super().choices(changelist):
            waarde = choice["display"]
            if waarde in self.lookup_choices:
                choice = {**choice, "display": huisstijl.bronorganisatie_weergave(waarde)}
            yield choice
