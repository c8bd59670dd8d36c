"""The filter backend of every list: django-filter's, which builds and validates a form of every
declared filter on each call (2 ms of a badge list page on the reference machine, most of it
for filters the call does not send).

A call that sends none of the filterset's parameters gets the queryset as it is; one that sends
some gets a form of those alone. Either is what the whole form would give: a filter whose
parameter is absent cleans to an empty value, which django-filter does not apply, and no filter
here is required, has a default, or reads a parameter other than its own name."""

from django_filters.rest_framework import DjangoFilterBackend


class FilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not any(
            name in request.query_params for name in filterset_class.base_filters
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            filterset.filters = {
                name: each
                for name, each in filterset.filters.items()
                if name in request.query_params
            }
        return filterset
