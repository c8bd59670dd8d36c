"""The filter backend of every list: django-filter's, which builds and validates a form of every
declared filter on each call (2 ms of a badge list page on the reference machine, most of it
for filters the call does not send), after deep-copying each of them.

A call that sends none of the filterset's parameters gets the queryset as it is; one that sends
some gets a filterset of those alone, a subclass made once per set of names sent. Either is
what the whole filterset would give: a filter whose parameter is absent cleans to an empty
value, which django-filter does not apply, and no filter here is required, has a default, or
reads a parameter other than its own name."""

import functools

from django_filters.rest_framework import DjangoFilterBackend


@functools.lru_cache(maxsize=256)
def filters_sent(filterset_class, names: frozenset):
    """``filterset_class`` holding only the filters ``names`` (its metaclass collects the
    declared filters again, so they are narrowed once the class is made)."""
    narrowed = type(filterset_class.__name__, (filterset_class,), {})
    narrowed.base_filters = {
        name: each for name, each in filterset_class.base_filters.items() if name in names
    }
    return narrowed


class FilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not any(
            name in request.query_params for name in filterset_class.base_filters
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)

    def get_filterset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return None
        names = frozenset(n for n in filterset_class.base_filters if n in request.query_params)
        kwargs = self.get_filterset_kwargs(request, queryset, view)
        return filters_sent(filterset_class, names)(**kwargs)
