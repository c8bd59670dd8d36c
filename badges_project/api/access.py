"""The acting org of an API request, the request's clock, and the role a view needs."""

from django.utils import timezone
from rest_framework import authentication, exceptions, permissions

from badges.models import Membership, Role
from badges.selectors import NoOrg, OrgChoiceRequired, acting_membership, token_membership


class MemberTokenAuthentication(authentication.TokenAuthentication):
    """Token authentication that reads the token's user and the membership the request acts
    through, with its org, in one query; what that query can't answer (an unknown token, a user
    in no org or not in the one named) falls back on DRF's token read and the org resolution of
    ``OrgScopedMixin``, which tell those cases apart."""

    def authenticate(self, request):
        self._org_slug = request.headers.get("X-Org")
        found = super().authenticate(request)
        if found is not None and self._membership is not None:
            request._request.membership = self._membership
        return found

    def authenticate_credentials(self, key):
        self._membership = token_membership(key=key, org_slug=self._org_slug)
        if self._membership is None or not self._membership.user.is_active:
            self._membership = None
            return super().authenticate_credentials(key)
        return self._membership.user, key


class OrgRequired(exceptions.APIException):
    status_code = 400
    default_detail = "You belong to several orgs: name one in the X-Org header."
    default_code = "ORG_REQUIRED"


class HasWriteRole(permissions.BasePermission):
    """Reads need any membership of the acting org; writes need the view's ``write_role``
    (editor by default)."""

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return request.membership.has_role(getattr(view, "write_role", Role.EDITOR))


class OrgScopedMixin:
    """Views acting in one org: ``initial()`` stamps the request's clock (``request.now``, the
    one ``now`` every service call of the request gets) and resolves the acting org
    (``request.org``, ``request.membership``) from the ``X-Org`` slug or the user's only org,
    before the permission checks. An org the user does not belong to answers 404, like any
    object of another org.

    Views give ``scoped_queryset(org)``; while the schema is generated there is no org, and the
    same queryset, empty, tells the schema the model. OPTIONS is not offered: the OpenAPI
    schema describes every route.
    """

    permission_classes = [permissions.IsAuthenticated, HasWriteRole]

    http_method_names = ["get", "post", "patch", "delete", "head"]

    def initial(self, request, *args, **kwargs):
        # Kept on the HTTP request, which DRF's request reads through: the copies DRF makes of
        # a request (to render the browsable API's forms) see them too.
        http_request = request._request
        http_request.now = timezone.now()
        if request.user and request.user.is_authenticated:
            if getattr(http_request, "membership", None) is None:
                http_request.membership = self._acting_membership(request)
            http_request.org = http_request.membership.org
        super().initial(request, *args, **kwargs)

    @staticmethod
    def _acting_membership(request) -> Membership:
        try:
            return acting_membership(user=request.user, org_slug=request.headers.get("X-Org"))
        except Membership.DoesNotExist as error:
            raise exceptions.NotFound("No such org.") from error
        except NoOrg as error:
            raise exceptions.PermissionDenied("You are not a member of any org.") from error
        except OrgChoiceRequired as error:
            raise OrgRequired from error

    def scoped_queryset(self, org):
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.scoped_queryset(None).none()
        return self.scoped_queryset(self.request.org)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if hasattr(self.request, "org"):
            context.update(org=self.request.org, now=self.request.now)
        return context
