"""Signing in and out (Django's auth views) and the org switcher."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import TemplateView

from badges.selectors import user_memberships

from .access import ORG_SESSION_KEY, acting_membership_of


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True


class OrgSwitchView(LoginRequiredMixin, TemplateView):
    """The orgs the user belongs to; choosing one makes every page act in it."""

    template_name = "orgs/switch.html"

    def _next(self) -> str:
        target = self.request.POST.get("next") or self.request.GET.get("next") or ""
        allowed = url_has_allowed_host_and_scheme(
            target, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        )
        return target if allowed else reverse("badges-ui:universe")

    def get_context_data(self, **kwargs):
        memberships = user_memberships(user=self.request.user)
        chosen = acting_membership_of(memberships, self.request.session.get(ORG_SESSION_KEY))
        return super().get_context_data(
            memberships=memberships, chosen=chosen, next=self._next(), **kwargs
        )

    def post(self, request):
        slug = request.POST.get("org", "")
        if not any(m.org.slug == slug for m in user_memberships(user=request.user)):
            raise Http404("No such org.")
        request.session[ORG_SESSION_KEY] = slug
        return redirect(self._next())
