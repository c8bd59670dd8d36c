"""Pages of a list, shared by the API's lists and the browser UI's."""

import re

from django.core.paginator import Paginator
from django.db.models import QuerySet

# A page number as every list takes it: ASCII digits only ("+1", " 1", "" and other scripts'
# digits are no page).
WHOLE_NUMBER = re.compile(r"[0-9]+")


class KeysFirstPaginator(Paginator):
    """Deep pages of a queryset pick their rows' keys first, then read only those rows: the
    offset walks an index of keys (``(org, ordering..., id)`` indexes make it index-only)
    instead of whole joined rows, so page 200 costs about what page 1 does. One statement
    all the same: the keys are a subquery."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = self.object_list
        if bottom == 0 or not isinstance(rows, QuerySet):
            return super().page(number)
        top = min(bottom + self.per_page, self.count)
        keys = rows.values("pk")[bottom:top]
        return self._get_page(rows.filter(pk__in=keys), number, self)
