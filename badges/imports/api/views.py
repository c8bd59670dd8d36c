"""Historical imports by API batch (``imports/badges/``, ``imports/customer-badges/``, SPEC 14):
translate HTTP to the import services; a result per item, one item's refusal never an error of
the batch."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from badges.imports.badge_rows import BadgeItem
from badges.imports.files import Summary
from badges.imports.services import definitions as badge_imports
from badges.imports.services.earned import earned_badges_import
from badges_project.api.access import OrgScopedMixin
from badges_project.api.errors import violations_of
from badges_project.api.schema import error_response

from .serializers import (
    BadgeImportItemSerializer,
    BadgesImportResultsSerializer,
    BadgesImportSerializer,
    EarnedImportSerializer,
    EarnedResultsSerializer,
)

BADGE_CODES = (
    "NAME_REQUIRED, NAME_TOO_LONG, BADGE_NAME_TAKEN, DESCRIPTION_TOO_LONG, DATE_OUT_OF_RANGE, "
    "EXPIRES_ON_NOT_AFTER_START, ISSUE_TYPE_INVALID, ENROLMENT_EXPIRY_REQUIRED, "
    "ENROLMENT_EXPIRY_NOT_ALLOWED, EXPIRY_TYPE_INVALID, EXPIRY_VALUE_INVALID, "
    "EXPIRY_UNIT_INVALID, EXPIRY_DATE_REQUIRED, ISSUE_EXPIRY_REQUIRED, "
    "EXPIRY_DATE_NOT_AFTER_START, OWNER_REQUIRED, MODULE_INVALID, TOO_MANY_BENEFITS, "
    "BENEFIT_DETAILS_INVALID, BENEFIT_DUPLICATE, LIMIT_INVALID, ROLLING_WINDOW_DUPLICATE, "
    "DURATION_TYPE_INVALID, WEEK_START_DAY_INVALID, GROUP_NOT_FOUND, GROUP_INACTIVE, "
    "RANK_INVALID, CUSTOM_FIELD_NOT_FOUND, CUSTOM_FIELD_INACTIVE, CUSTOM_FIELD_DUPLICATE, "
    "CUSTOM_FIELD_VALUE_INVALID, EXTERNAL_ID_INVALID (white space only, or over 255 "
    "characters once trimmed); or the item's shape is wrong, with the codes of a badge "
    "create (REQUIRED, NULL, INVALID, INVALID_CHOICE, NOT_A_LIST, YEAR_OUT_OF_RANGE, "
    "NULL_CHARACTERS_NOT_ALLOWED, ...; an item that is not an object: INVALID on "
    "`non_field_errors`)."
)
EARNED_CODES = (
    "INVALID rows carry the field and one of: ROW_INVALID (not a JSON object), BADGE_REQUIRED, "
    "BADGE_INVALID, CUSTOMER_ID_INVALID, EARN_EVENT_DATE_REQUIRED, EARN_EVENT_DATE_INVALID, "
    "EVENT_DATE_IN_FUTURE, EXPIRES_ON_INVALID, EXPIRES_ON_NOT_AFTER_EARN, "
    "EVENT_DATE_OUTSIDE_BADGE_PERIOD, EXTERNAL_ID_INVALID. The other statuses carry their own "
    "name as the code: BADGE_NOT_FOUND (no badge of the org has that id or external id), "
    "DUPLICATE (the same badge, customer and earn date was imported before: nothing written), "
    "OVERLAPPING (it would overlap a non-revoked issuance of the badge the customer holds, or "
    "an earlier row of the batch)."
)


def batch_refusals(field: str, most: str) -> str:
    return (
        f"The request as a whole is refused: ROWS_REQUIRED (`{field}` is empty), TOO_MANY_ROWS "
        f"(over {most}); or the body's shape is wrong (REQUIRED, NOT_A_LIST, INVALID: `{field}` "
        "not a list, `dry_run` not a boolean)."
    )


class ImportView(OrgScopedMixin, APIView):
    """A batch import of the acting org; editors and admins, as creating badges and issuing."""

    def get_serializer_context(self):
        return {"request": self.request, "org": self.request.org, "now": self.request.now}


class BadgesImportView(ImportView):
    @extend_schema(
        summary="Import badge definitions (up to 1,000; a result per definition)",
        description=(
            "Each item is a badge in the create shape of `POST badges/`, past dates allowed "
            "(the future-start rule, START_ON_NOT_IN_FUTURE, does not apply), with an optional "
            "`external_id`. Each is IMPORTED (created: `badge`), DUPLICATE (a badge was imported "
            "with its external id before: that `badge`, unchanged, whatever the item says) or "
            "INVALID, with `errors` listing every broken rule as a 400 of `POST badges/` does: "
            + BADGE_CODES
            + " Items are imported in order, in one transaction, each on its own: one refusal "
            "blocks no other. With `dry_run: true` nothing is written. Needs the editor role, "
            "as creating a badge does."
        ),
        request=BadgesImportSerializer,
        responses={
            200: BadgesImportResultsSerializer,
            400: error_response(batch_refusals("badges", "1,000 badges")),
        },
    )
    def post(self, request):
        context = self.get_serializer_context()
        body = BadgesImportSerializer(data=request.data, context=context)
        body.is_valid(raise_exception=True)
        sent = body.validated_data["badges"]
        badge_imports.badge_batch_check(sent)
        results = badge_imports.badges_import(
            org=request.org,
            actor=request.user,
            now=request.now,
            items=[_badge_item(item, context) for item in sent],
            dry_run=body.validated_data["dry_run"],
        )
        return Response(
            {
                "results": [
                    {
                        "index": index,
                        "external_id": result.external_id or None,
                        "status": str(result.status),
                        "badge": str(result.badge.pk) if result.badge is not None else None,
                        "errors": [
                            {"field": v.field, "code": v.code, "message": v.message}
                            for v in result.violations
                        ],
                    }
                    for index, result in enumerate(results)
                ]
            }
        )


def _badge_item(sent: object, context: dict) -> BadgeItem:
    """An item read by the badge create serializer: its definition, or its errors (with its
    external id when that alone could be read, so that a badge imported before is found)."""
    item = BadgeImportItemSerializer(data=sent, context=context)
    if item.is_valid():
        return item.item()
    external_id = sent.get("external_id") if isinstance(sent, dict) else None
    if not isinstance(external_id, str) or "external_id" in item.errors:
        external_id = ""
    return BadgeItem(external_id, None, tuple(violations_of(item.errors)))


class EarnedBadgesImportView(ImportView):
    @extend_schema(
        summary="Import customers' earned badges (up to 5,000 rows; a result per row)",
        description=(
            "Each row is IMPORTED (an issuance with source IMPORT, no benefits and no "
            "notification; limits and enrolment skipped; it counts for both afterwards; the "
            "customer is created on first use), DUPLICATE, OVERLAPPING, BADGE_NOT_FOUND or "
            "INVALID. "
            + EARNED_CODES
            + " The batch is one transaction; re-sending it creates nothing (DUPLICATE). With "
            "`dry_run: true` nothing is written. `summary` counts the rows by status."
        ),
        request=EarnedImportSerializer,
        responses={
            200: EarnedResultsSerializer,
            400: error_response(batch_refusals("rows", "5,000 rows")),
        },
    )
    def post(self, request):
        body = EarnedImportSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        results = earned_badges_import(
            org=request.org,
            rows=body.validated_data["rows"],
            now=request.now,
            dry_run=body.validated_data["dry_run"],
        )
        summary = Summary()
        for result in results:
            summary.add(result.status)
        return Response(
            {
                "results": [
                    {
                        "line": r.line,
                        "status": str(r.status),
                        "code": r.code or None,
                        "field": r.field or None,
                        "message": r.message,
                        "issual_id": str(r.issual_id) if r.issual_id else None,
                    }
                    for r in results
                ],
                "summary": summary.as_dict(),
            }
        )
