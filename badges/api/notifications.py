"""The notifications outbox (``notifications/``, SPEC 13): read where each delivery stands, and
deliver one again; translate HTTP to the delivery services."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from badges.filters import NotificationFilter
from badges.selectors.notifications import notification_list
from badges.services.notifications import notification_redeliver
from badges_project.api.access import OrgScopedMixin
from badges_project.api.schema import error_response

from .serializers.notifications import NotificationSerializer


@extend_schema_view(
    list=extend_schema(summary="List notifications (newest first) with their delivery attempts"),
    retrieve=extend_schema(summary="Read a notification"),
)
class NotificationViewSet(
    OrgScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """What the org's webhook is told of its issuances: ``badge.issued``, ``badge.revoked`` and
    ``badge.expired``, each with its delivery state and attempts."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter

    def scoped_queryset(self, org):
        return notification_list(org=org)

    @extend_schema(
        summary="Deliver a notification again (a new round of the retry schedule)",
        request=None,
        responses={
            202: NotificationSerializer,
            400: error_response("WEBHOOK_NOT_CONFIGURED (the org has no webhook URL)."),
        },
        filters=False,
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def redeliver(self, request, pk=None):
        queued = notification_redeliver(notification=self.get_object(), now=request.now)
        found = self.scoped_queryset(request.org).get(pk=queued.pk)
        return Response(self.get_serializer(found).data, status=status.HTTP_202_ACCEPTED)
