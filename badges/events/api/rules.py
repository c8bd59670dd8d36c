"""Workflow rules (``rules/``, SPEC 12): list, read, create, change and delete; translate HTTP
to the rule services, which check every rule and add the rule's claim once confirmed."""

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from badges.events import selectors
from badges.events.filters import RuleFilter
from badges.events.models import Rule
from badges.events.services import rules
from badges_project.api.access import OrgScopedMixin
from badges_project.api.schema import error_response

from .serializers import RuleSerializer, RuleWriteSerializer

RULE_CODES = (
    "RULE_NAME_INVALID, RULE_NAME_TAKEN, PROGRAM_INVALID, CONDITION_INVALID, "
    "EVENT_NAME_REQUIRED, EVENT_NAME_NOT_ALLOWED, TARGET_INVALID, TARGET_NEEDS_ISSUE, "
    "BADGE_NOT_FOUND (no badge of the org has the id), RULE_BADGE_NOT_ELIGIBLE (the badge is "
    "not live, active and owned by the module), CLAIM_CONFIRMATION_REQUIRED (saving adds the "
    "claim (module, program, event type) to the badge: send `confirm_claim: true`)"
)
SHAPE_CODES = "or the body's shape is wrong (REQUIRED, NULL, INVALID, INVALID_CHOICE, ...)."
CREATE_REFUSALS = error_response(
    f"The rule breaks a rule of SPEC 12 (every broken rule is listed): {RULE_CODES}; " + SHAPE_CODES
)
UPDATE_REFUSALS = error_response(
    f"The change breaks a rule of SPEC 12 (every broken rule is listed): {RULE_CODES}, "
    "RULE_FIELD_FIXED (module, event_type, event_name, action, badge and target can't change "
    "once saved: sent, they must be the rule's own); " + SHAPE_CODES
)


@extend_schema_view(
    list=extend_schema(summary="List workflow rules (by name)"),
    retrieve=extend_schema(summary="Read a workflow rule"),
)
class RuleViewSet(
    OrgScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Workflow rules of the acting org: which badge an event type issues or revokes, under
    an optional condition on the payload and, for an issue, an optional target."""

    serializer_class = RuleSerializer
    filterset_class = RuleFilter

    def scoped_queryset(self, org):
        return selectors.rule_list(org=org).select_related("created_by", "updated_by")

    def get_object(self) -> Rule:
        """The org's rule by id, whatever the list filters say."""
        try:
            rule = self.get_queryset().get(pk=self.kwargs["pk"])
        except (Rule.DoesNotExist, ValidationError) as error:
            raise Http404 from error
        self.check_object_permissions(self.request, rule)
        return rule

    def _read(self, rule: Rule, status_code=status.HTTP_200_OK) -> Response:
        found = self.get_queryset().get(pk=rule.pk)
        return Response(self.get_serializer(found).data, status=status_code)

    def _body(self, request, partial: bool = False) -> dict:
        body = RuleWriteSerializer(
            data=request.data, partial=partial, context=self.get_serializer_context()
        )
        body.is_valid(raise_exception=True)
        return dict(body.validated_data)

    @extend_schema(
        summary="Create a workflow rule (adding its claim to the badge, once confirmed)",
        request=RuleWriteSerializer,
        responses={201: RuleSerializer, 400: CREATE_REFUSALS},
    )
    def create(self, request):
        data = self._body(request)
        rule = rules.rule_create(
            org=request.org,
            draft=rules.RuleDraft(
                name=data["name"],
                module=data["module"],
                program=data["program"],
                event_type=data["event_type"],
                action=data["action"],
                badge=data["badge"],
                event_name=data.get("event_name", ""),
                condition=data.get("condition"),
                target=data.get("target"),
                is_active=data.get("is_active", True),
            ),
            confirm_claim=data.get("confirm_claim", False),
            actor=request.user,
            now=request.now,
        )
        return self._read(rule, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a workflow rule: its name, program, condition or activation",
        description="Only the fields sent change. A new program is a new claim on the badge, "
        "confirmed like the first.",
        request=RuleWriteSerializer,
        responses={200: RuleSerializer, 400: UPDATE_REFUSALS},
    )
    def partial_update(self, request, pk=None):
        rule = self.get_object()
        changes = self._body(request, partial=True)
        confirm_claim = changes.pop("confirm_claim", False)
        rule = rules.rule_update(
            rule=rule,
            changes=changes,
            confirm_claim=confirm_claim,
            actor=request.user,
            now=request.now,
        )
        return self._read(rule)

    @extend_schema(
        summary="Delete a workflow rule",
        description="Its customers' progress goes with it; its events' outcomes keep its name "
        "and what it did, and what it issued stays issued. The claim it added stays on the "
        "badge (claims are permanent).",
    )
    def destroy(self, request, pk=None):
        rules.rule_delete(rule=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
