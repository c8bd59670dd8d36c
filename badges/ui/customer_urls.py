from django.urls import path, register_converter

from . import care, customers


class CustomerIdConverter:
    """A customer id in a path, as the loyalty system gives it: any characters but NUL,
    slashes, spaces and line breaks included (``reverse()`` percent-encodes them).

    A path segment "." or ".." would be folded away by every browser, so such a segment is
    written with a "~" before it, and a "~" of the id is written twice: "a/../b" is
    ``a/~../b``, "x~y" is ``x~~y``. An id ending in one of the action paths below opens that
    action."""

    regex = r"[^\x00]+"

    def to_python(self, value: str) -> str:
        return "/".join(
            part[1:] if part in ("~.", "~..") else part.replace("~~", "~")
            for part in value.split("/")
        )

    def to_url(self, value: str) -> str:
        escaped = (part.replace("~", "~~") for part in value.split("/"))
        return "/".join(f"~{part}" if part in (".", "..") else part for part in escaped)


register_converter(CustomerIdConverter, "customer_id")

app_name = "customers-ui"

urlpatterns = [
    path("", customers.CustomerSearchView.as_view(), name="search"),
    path("<customer_id:customer_id>/enrol/", care.EnrolView.as_view(), name="enrol"),
    path("<customer_id:customer_id>/issue/", care.CareIssueView.as_view(), name="issue"),
    path(
        "<customer_id:customer_id>/issuances/<uuid:record_id>/revoke/",
        care.RevokeView.as_view(kind="issuance"),
        name="issuance-revoke",
    ),
    path(
        "<customer_id:customer_id>/enrolments/<uuid:record_id>/revoke/",
        care.RevokeView.as_view(kind="enrolment"),
        name="enrolment-revoke",
    ),
    path("<customer_id:customer_id>/", customers.CustomerView.as_view(), name="customer"),
]
