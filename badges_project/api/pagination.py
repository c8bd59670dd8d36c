import re

from django.core.paginator import Paginator
from django.db.models import QuerySet
from rest_framework import exceptions, pagination, serializers

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


class PageNumberPagination(pagination.PageNumberPagination):
    """``{count, next, previous, results}`` pages of 50 by default.

    ``page`` is a page number from 1 (a page that does not exist answers 404); ``page_size``
    is 1 to 200, anything else answers 400 rather than being silently replaced.
    """

    django_paginator_class = KeysFirstPaginator
    page_size_query_param = "page_size"
    max_page_size = 200
    last_page_strings = ()

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw is None:
            return 1
        if not WHOLE_NUMBER.fullmatch(raw):
            raise exceptions.NotFound(self.invalid_page_message)
        return raw

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not WHOLE_NUMBER.fullmatch(raw) or not 1 <= int(raw) <= self.max_page_size:
            raise serializers.ValidationError(
                {
                    self.page_size_query_param: [
                        serializers.ErrorDetail(
                            f"A page size is a whole number from 1 to {self.max_page_size}.",
                            code="INVALID",
                        )
                    ]
                }
            )
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.page_query_param: {"minimum": 1},
            self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters
