"""The acting org of an API request and the role it needs."""

from django.utils import timezone
from rest_framework import exceptions, permissions

from badges import selectors
from badges.models import Membership, Role


class OrgRequired(exceptions.APIException):
    status_code = 400
    default_detail = "You belong to several orgs: name one in the X-Org header."
    default_code = "ORG_REQUIRED"


class ActsInOrg(permissions.BasePermission):
    """Resolve the request's org (``X-Org`` slug or the user's only org) and check the role.

    Reads need any membership; writes need the view's ``write_role`` (editor by default). An org
    the user does not belong to answers 404, like any object of another org.
    """

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        try:
            membership = selectors.acting_membership(
                user=request.user, org_slug=request.headers.get("X-Org")
            )
        except Membership.DoesNotExist as error:
            raise exceptions.NotFound("No such org.") from error
        except selectors.NoOrg as error:
            raise exceptions.PermissionDenied("You are not a member of any org.") from error
        except selectors.OrgChoiceRequired as error:
            raise OrgRequired from error
        request.org = membership.org
        request.membership = membership
        request.now = timezone.now()
        if request.method in permissions.SAFE_METHODS:
            return True
        return membership.has_role(getattr(view, "write_role", Role.EDITOR))


class OrgScopedMixin:
    """Views acting in the request's org: serializers get the org and the request's clock."""

    permission_classes = [permissions.IsAuthenticated, ActsInOrg]

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if hasattr(self.request, "org"):
            context.update(org=self.request.org, now=self.request.now)
        return context
