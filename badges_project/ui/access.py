"""The acting org of a browser page, the request's clock, and the role a page needs.

A page acts in one org, like an API call: the org the user chose in the switcher (kept in the
session), or the user's only one. A user in several orgs who has chosen none is sent to the
switcher first."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from badges.models import Role
from badges.selectors import user_memberships

ORG_SESSION_KEY = "acting_org"


class OrgPageMixin(LoginRequiredMixin):
    """Pages acting in one org. Before the view runs: ``request.now`` (the one ``now`` every
    service call of the request gets), ``request.memberships`` (the switcher's choices),
    ``request.membership`` and ``request.org``. Methods other than GET and HEAD need
    ``write_role`` (editor by default), and so does every method of a page that exists to
    write (``write_page``: a form, a confirmation): a viewer gets 403."""

    write_role = Role.EDITOR
    write_page = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        request.now = timezone.now()
        request.memberships = user_memberships(user=request.user)
        chosen = acting_membership_of(request.memberships, request.session.get(ORG_SESSION_KEY))
        if chosen is None:
            if not request.memberships:
                raise PermissionDenied("You are not a member of any org.")
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('org-switch')}?{query}")
        request.membership, request.org = chosen, chosen.org
        writes = self.write_page or request.method not in ("GET", "HEAD")
        if writes and not chosen.has_role(self.write_role):
            raise PermissionDenied("Your role in this org can't change it.")
        return super().dispatch(request, *args, **kwargs)


def acting_membership_of(memberships, slug):
    """The membership of the org chosen by ``slug``, else the only one; None when the user
    must choose."""
    chosen = next((m for m in memberships if m.org.slug == slug), None)
    if chosen is None and len(memberships) == 1:
        return memberships[0]
    return chosen


def can_write(request, role=Role.EDITOR) -> bool:
    """Whether the page shows write controls to this user."""
    membership = getattr(request, "membership", None)
    return membership is not None and membership.has_role(role)
