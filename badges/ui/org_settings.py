"""The org settings page (SPEC 2, 7, 12, 13): every member reads the acting org's settings;
admins change them, and set, generate or remove the webhook signing secret, each through the
org service the API's ``org/`` uses. A secret is shown once, on the answer to the POST that
set it; every read afterwards only says whether one is set."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.generic import TemplateView

from badges.exceptions import RuleViolation, Violation
from badges.models import Role
from badges.selectors.notifications import recent_deliveries
from badges.services import orgs
from badges.values import timezone_names
from badges_project.ui.access import OrgPageMixin, can_write
from badges_project.ui.pages import PageForm, refusal_words, violations_on_form

# What a page sends that doesn't parse, in the API's words for the same failure.
API_WORDS = {
    "required": "This field is required.",
    "invalid": "A valid integer is required.",
}


class SettingsPageForm(PageForm):
    """A form of the settings page. It only parses; the service judges. Each error reads as
    the API's: its message and its code."""

    def add_error(self, field, error):
        """What doesn't parse, worded as a refusal is (a service's refusal comes worded)."""
        if isinstance(error, forms.ValidationError) and not hasattr(error, "error_dict"):
            error = [
                refusal_words(Violation(code=(e.code or "invalid").upper(), message=e.messages[0]))
                for e in error.error_list
            ]
        super().add_error(field, error)


def _number(label: str, help_text: str) -> forms.IntegerField:
    return forms.IntegerField(label=label, help_text=help_text, error_messages=API_WORDS)


class SettingsForm(SettingsPageForm):
    """The org's settings but its signing secret, each named as the API names it."""

    name = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"maxlength": 200}), label="Name"
    )
    timezone = forms.CharField(
        required=False,
        label="Timezone",
        help_text=(
            "An IANA name such as Asia/Kolkata; type to search the list. It decides “today” "
            "and every day, week and month boundary."
        ),
        widget=forms.TextInput(
            attrs={"list": "timezones", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    retro_max_allowed_age_days = _number(
        "Retro window (days)",
        "How many days back an event date may lie for a retroactive enrolment or issue.",
    )
    retro_delay_since_registration_hours = _number(
        "Registration delay (hours)",
        "Retroactive enrolments and issues, and every customer-care issue, wait this many hours "
        "after a customer registers.",
    )
    revoke_on_return = forms.BooleanField(
        required=False,
        label="Revoke on return",
        help_text=(
            "A whole-bill return revokes the badges that bill triggered; a completed return "
            "target revokes those it triggered. Partial returns revoke nothing."
        ),
    )
    webhook_url = forms.CharField(
        required=False,
        label="Webhook URL",
        help_text="Where issue, revoke and expiry notifications are sent. Empty for none.",
        widget=forms.URLInput(attrs={"autocomplete": "url", "spellcheck": "false"}),
    )

    @classmethod
    def of(cls, org) -> "SettingsForm":
        return cls(initial={name: getattr(org, name) for name in cls.base_fields})


class SecretForm(SettingsPageForm):
    """A signing secret the admin types (trimmed, as the API reads it)."""

    webhook_secret = forms.CharField(
        label="Signing secret",
        error_messages=API_WORDS,
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


@method_decorator(sensitive_variables(), name="post")
class OrgSettingsView(OrgPageMixin, TemplateView):
    """The settings page; its POST saves the settings form (and shows, once, the signing
    secret generated for a webhook URL set without one)."""

    template_name = "orgs/settings.html"
    write_role = Role.ADMIN

    def get_context_data(self, **kwargs):
        org = self.request.org
        editable = can_write(self.request, Role.ADMIN)
        if editable:
            kwargs.setdefault("form", SettingsForm.of(org))
            kwargs.setdefault("secret_form", SecretForm())
        return super().get_context_data(
            org=org,
            editable=editable,
            secret_set=bool(org.webhook_secret),
            deliveries=recent_deliveries(org=org),
            timezones=timezone_names() if editable else (),
            **kwargs,
        )

    def post(self, request):
        form = SettingsForm(request.POST)
        if form.is_valid():
            try:
                org = orgs.org_update(org=request.org, **form.cleaned_data)
            except RuleViolation as refusal:
                violations_on_form(form, refusal.violations)
            else:
                messages.success(request, "The settings are saved.")
                made = orgs.webhook_secret_made(request.org, org, form.cleaned_data)
                if made:
                    return self.secret_shown(org, made)
                return redirect("settings-ui:org")
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def secret_shown(self, org, secret: str):
        """The page with ``secret`` shown this once, kept by no cache. Rendered here, inside
        the caller's sensitive frames, so that a failing render reports no secret either."""
        self.request.org = org
        response = self.render_to_response(self.get_context_data(new_secret=secret)).render()
        add_never_cache_headers(response)
        return response


@method_decorator(sensitive_post_parameters("webhook_secret"), name="dispatch")
@method_decorator(sensitive_variables(), name="post")
class SecretSetView(OrgSettingsView):
    """Set the secret an admin typed, then show it once."""

    http_method_names = ["post"]

    def post(self, request):
        form = SecretForm(request.POST)
        if form.is_valid():
            secret = form.cleaned_data["webhook_secret"]
            try:
                org = orgs.org_update(org=request.org, webhook_secret=secret)
            except RuleViolation as refusal:
                violations_on_form(form, refusal.violations)
            else:
                return self.secret_shown(org, secret)
        return self.render_to_response(self.get_context_data(secret_form=form), status=400)


@method_decorator(sensitive_variables(), name="post")
class SecretGenerateView(OrgSettingsView):
    """Generate a Standard Webhooks secret, replacing any, then show it once."""

    http_method_names = ["post"]

    def post(self, request):
        org, secret = orgs.webhook_secret_generate(org=request.org)
        return self.secret_shown(org, secret)


class SecretRemoveView(OrgPageMixin, TemplateView):
    """Remove the signing secret behind a confirmation page."""

    template_name = "orgs/secret_remove.html"
    write_role = Role.ADMIN
    write_page = True

    def post(self, request):
        orgs.org_update(org=request.org, webhook_secret="")
        messages.success(request, "The signing secret is removed.")
        return redirect("settings-ui:org")
