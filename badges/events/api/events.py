"""Loyalty events (``events/``, SPEC 12) and the progress they make toward targets
(``customers/{customer_id}/progress/``): translate HTTP to the intake and processing services
and the events' selectors."""

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.response import Response

from badges.events import selectors
from badges.events.filters import EventFilter
from badges.events.models import Event
from badges.events.services import intake, processing
from badges.selectors import customers as customer_selectors
from badges_project.api.access import OrgScopedMixin
from badges_project.api.schema import error_response

from .event_serializers import (
    EventDetailSerializer,
    EventPostedSerializer,
    EventPostSerializer,
    EventSerializer,
    TargetProgressSerializer,
)

POST_REFUSALS = error_response(
    "The event is refused (every broken rule is listed): EVENT_ID_INVALID, EVENT_ID_REUSED "
    "(this event_id was posted with another body), EVENT_TYPE_INVALID, EVENT_NAME_REQUIRED, "
    "EVENT_NAME_NOT_ALLOWED, CUSTOMER_ID_INVALID, EVENT_DATE_IN_FUTURE (over 24 hours ahead), "
    "REFERENCE_INVALID, PAYLOAD_INVALID, RETURN_TYPE_INVALID (`payload.return_type` of a "
    "ReturnBill), ORIGINAL_REFERENCE_REQUIRED (`payload.original_reference` of a full "
    "return), TARGET_RULE_REQUIRED (`payload.rule` of a ReturnTargetCompleted); or the body's "
    "shape is wrong (REQUIRED, NULL, INVALID, INVALID_CHOICE, ...)."
)


@extend_schema_view(
    list=extend_schema(summary="List events (newest first)"),
    retrieve=extend_schema(
        summary="Read an event with what each rule did",
        description="`status` says where processing stands (PENDING, PROCESSED, FAILED with "
        "`error`); `outcomes` lists, in order, each candidate rule's outcome, a revocation "
        "on return, or a target period the event closed, each with the issuance it made or "
        "revoked, or why it did not.",
    ),
)
class EventViewSet(
    OrgScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Loyalty events of the acting org, stored as posted and processed by a task."""

    serializer_class = EventSerializer
    filterset_class = EventFilter

    def scoped_queryset(self, org):
        return selectors.event_list(org=org)

    def get_serializer_class(self):
        return EventDetailSerializer if self.action == "retrieve" else EventSerializer

    def get_object(self) -> Event:
        """The org's event by id with its outcomes, whatever the list filters say."""
        return self._event(self.kwargs["pk"])

    def _event(self, pk) -> Event:
        try:
            event = selectors.event_get(org=self.request.org, pk=pk)
        except (Event.DoesNotExist, ValidationError) as error:
            raise Http404 from error
        self.check_object_permissions(self.request, event)
        return event

    def _posted(self, event: Event, *, dry_run: bool, stored: bool, status_code) -> Response:
        context = {**self.get_serializer_context(), "dry_run": dry_run, "stored": stored}
        return Response(EventPostedSerializer(event, context=context).data, status=status_code)

    @extend_schema(
        summary="Post a loyalty event (stored once per event_id, then processed)",
        description=(
            "A new event answers 202 with the event: PENDING while a worker has yet to process "
            "it, PROCESSED with its outcomes when it ran at once (no broker configured). A "
            "repeat of an event_id with the same body answers 200 with the first event and "
            "processes nothing again; with another body it is EVENT_ID_REUSED. With `dry_run: "
            "true` it answers 200 with what the event would do now (`dry_run: true`, `id` null, "
            "results WOULD_ISSUE and WOULD_REVOKE with no issuance) and writes nothing; for an "
            "event_id posted before, the stored event. Needs the editor role, as issuing does."
        ),
        request=EventPostSerializer,
        responses={
            202: EventPostedSerializer,
            200: EventPostedSerializer,
            400: POST_REFUSALS,
        },
    )
    def create(self, request):
        body = EventPostSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        posted = intake.EventBody(
            event_id=data["event_id"],
            event_type=data["event_type"],
            customer_id=data["customer_id"],
            event_date=data["event_date"],
            reference=data.get("reference", ""),
            payload=data.get("payload", {}),
            event_name=data.get("event_name", ""),
        )
        if data.get("dry_run", False):
            found = processing.event_dry_run(org=request.org, body=posted, now=request.now)
            if found.replayed:
                event = self._event(found.event.pk)
            else:
                event = found.event
                event.outcome_rows = found.outcomes
            return self._posted(
                event, dry_run=True, stored=found.replayed, status_code=status.HTTP_200_OK
            )
        event, created = intake.event_submit(org=request.org, body=posted, now=request.now)
        return self._posted(
            selectors.event_after_post(org=request.org, event=event),
            dry_run=False,
            stored=True,
            status_code=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK,
        )


@extend_schema_view(
    get=extend_schema(
        summary="The customer's progress toward target badges",
        description="One row per target rule and period the customer has events in, by badge "
        "name, then rule, newest period first. A customer not seen yet has none.",
        filters=False,
    )
)
class CustomerProgressView(OrgScopedMixin, generics.ListAPIView):
    serializer_class = TargetProgressSerializer
    filterset_class = None

    def scoped_queryset(self, org):
        customer = None
        if org is not None:
            customer = customer_selectors.customer_find(
                org=org, customer_id=self.kwargs["customer_id"]
            )
        return selectors.customer_progress(customer=customer)
