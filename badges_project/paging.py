"""Pages of a list, shared by the API's lists and the browser UI's."""

import re
from typing import Protocol, runtime_checkable

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import QuerySet

# A page number as every list takes it: ASCII digits only ("+1", " 1", "" and other scripts'
# digits are no page).
WHOLE_NUMBER = re.compile(r"[0-9]+")

# The last row a statement can skip to: LIMIT and OFFSET are 64-bit signed integers in
# PostgreSQL and SQLite alike. A page past it holds nothing in any list.
LAST_OFFSET = 2**63 - 1


@runtime_checkable
class CountedPages(Protocol):
    """A list read a page at a time, the page's rows and the list's count together (one round
    trip where the database allows): what a selector hands a paginator (without orphans) in
    place of a queryset, whose count and page are two statements built and sent one after
    the other."""

    ordered: bool

    def page_and_count(self, offset: int, limit: int) -> tuple[list, int]: ...


class KeysFirstPaginator(Paginator):
    """Deep pages of a queryset pick their rows' keys first, then read only those rows: the
    offset walks an index of keys (``(org, ordering..., id)`` indexes make it index-only)
    instead of whole joined rows, so page 200 costs about what page 1 does. One statement
    all the same: the keys are a subquery. ``CountedPages`` read their page and count
    together."""

    def page(self, number):
        rows = self.object_list
        if isinstance(rows, CountedPages):
            return self._counted_page(rows, number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if bottom == 0 or not isinstance(rows, QuerySet):
            return super().page(number)
        top = min(bottom + self.per_page, self.count)
        keys = rows.values("pk")[bottom:top]
        return self._get_page(rows.filter(pk__in=keys), number, self)

    def _counted_page(self, rows: CountedPages, number):
        try:
            wanted = int(number)
        except (TypeError, ValueError) as error:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from error
        if wanted < 1:
            return super().page(wanted)  # refused before the count is read
        offset = (wanted - 1) * self.per_page
        if offset + self.per_page > LAST_OFFSET:
            raise EmptyPage(self.error_messages["no_results"])
        found, count = rows.page_and_count(offset, self.per_page)
        self.__dict__["count"] = count  # the cached property, read with the page
        return self._get_page(found, self.validate_number(wanted), self)
