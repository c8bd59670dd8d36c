from rest_framework import exceptions, pagination, serializers

from badges_project.paging import WHOLE_NUMBER, KeysFirstPaginator


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
