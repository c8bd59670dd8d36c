"""The customer-care desk's actions on one customer (SPEC 4, 5 and 7): enrol, issue with source
MEMBERCARE after a dry run that explains itself, and revoke an issuance or an enrolment. Each
asks first and goes through the services the API uses. Enrol and issue carry a request id made
when the form is shown, so a submit sent twice makes one enrolment or one issuance."""

import uuid

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.generic import TemplateView

from badges.choices import IssueSource, IssueType
from badges.exceptions import RuleViolation
from badges.models import Badge, Customer, Enrolment, Issuance
from badges.selectors import customers as customer_selectors
from badges.services import enrolment, issuance
from badges.values import CUSTOMER_ID_MAX_LENGTH, REASON_MAX_LENGTH, REQUEST_ID_MAX_LENGTH
from badges_project.ui.access import OrgPageMixin
from badges_project.ui.pages import PageForm, violations_on_form

from .inputs import WallClockField, instant_in
from .views import badge_or_404, customer_or_404


def fresh_request_id() -> str:
    return f"care-{uuid.uuid4()}"


def reason_field(help_text: str) -> forms.CharField:
    """A required reason, bounded as the services bound it."""
    return forms.CharField(
        max_length=REASON_MAX_LENGTH,
        label="Reason",
        help_text=help_text,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class WhenForm(PageForm):
    """An optional wall-clock time in the org's timezone (default: now), and the request id
    that makes the submit safe to repeat."""

    request_id = forms.CharField(max_length=REQUEST_ID_MAX_LENGTH, widget=forms.HiddenInput)
    when_field = "event_date"

    def __init__(self, *args, zone, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.fields[
            self.when_field
        ].help_text = f"When the customer's action happened, in {zone} time; empty for now."

    def instant(self):
        wall_clock = self.cleaned_data.get(self.when_field)
        return instant_in(wall_clock, self.zone) if wall_clock else None

    def clean(self):
        cleaned = super().clean()
        try:
            self.instant()
        except forms.ValidationError as error:
            self.add_error(self.when_field, error)
        return cleaned


class EnrolForm(WhenForm):
    when_field = "enrol_event_date"
    enrol_event_date = WallClockField(required=False, label="Enrol event date")


class CareIssueForm(WhenForm):
    event_date = WallClockField(required=False, label="Event date")
    reason = reason_field("Why customer care issues this badge; kept on the issuance.")


class RevokeForm(PageForm):
    reason = reason_field("Kept on the record with who revoked it and when.")


class RegisterForm(PageForm):
    customer_id = forms.CharField(
        max_length=CUSTOMER_ID_MAX_LENGTH, strip=False, label="Customer ID"
    )
    registered_on = WallClockField(
        required=False,
        label="Registered on",
        help_text="When they joined the loyalty program, in the org's timezone; empty if unknown.",
    )


class CustomerActionView(OrgPageMixin, TemplateView):
    """A page that exists to change one customer (a viewer gets 403)."""

    write_page = True

    def customer(self) -> Customer:
        return customer_or_404(self.request, self.kwargs["customer_id"])

    def done(self, customer: Customer):
        return redirect("customers-ui:customer", customer_id=customer.customer_id)


def for_the_customer(request, service, badge: Badge, customer: Customer, order):
    """Enrol or issue (a batch service) for the page's one customer: their outcome."""
    [outcome] = service(
        badge=badge,
        customer_ids=[customer.customer_id],
        order=order,
        actor=request.user,
        now=request.now,
    )
    return outcome


def chosen_badge(request) -> Badge:
    """The badge an enrol or issue form names by id (query or form field), of the acting org."""
    badge_id = request.POST.get("badge") or request.GET.get("badge")
    if not badge_id:
        raise Http404("Choose a badge.")
    return badge_or_404(request, badge_id)


def badge_by_name(request) -> Badge | None:
    """The badge the customer page's "issue a badge that has ended" box names, if any."""
    name = request.GET.get("badge_name", "")
    return customer_selectors.badge_named(org=request.org, name=name) if name else None


class EnrolView(CustomerActionView):
    """Enrol the customer in an Enrol & Issue badge, behind a confirmation."""

    template_name = "badges/ui/customers/enrol.html"

    def get(self, request, customer_id):
        customer, badge = self.customer(), chosen_badge(request)
        form = EnrolForm(initial={"request_id": fresh_request_id()}, zone=request.org.tzinfo)
        return self._page(customer, badge, form)

    def _page(self, customer, badge, form, refusal=None, status=200):
        with timezone.override(self.request.org.tzinfo):
            context = self.get_context_data(
                customer=customer,
                badge=badge,
                form=form,
                refusal=refusal,
                enrollable=badge.issue_type == IssueType.ENROL_ISSUE,
            )
            return self.render_to_response(context, status=status).render()

    def post(self, request, customer_id):
        customer, badge = self.customer(), chosen_badge(request)
        form = EnrolForm(request.POST, zone=request.org.tzinfo)
        if not form.is_valid():
            return self._page(customer, badge, form, status=400)
        order = enrolment.EnrolOrder(
            enrol_event_date=form.instant(), request_id=form.cleaned_data["request_id"]
        )
        try:
            outcome = for_the_customer(request, enrolment.enrol, badge, customer, order)
        except RuleViolation as refusal:
            violations_on_form(form, refusal.violations)
            return self._page(customer, badge, form, status=400)
        if outcome.status == "REFUSED":
            return self._page(customer, badge, form, refusal=outcome.refusal, status=400)
        if outcome.refusal is not None:  # ALREADY_ENROLLED: the enrolment they hold
            messages.info(request, f"{customer} already holds an enrolment in “{badge.name}”.")
        else:
            messages.success(request, f"{customer} is enrolled in “{badge.name}”.")
        return self.done(customer)


class CareIssueView(CustomerActionView):
    """A customer-care issue (source MEMBERCARE), in steps: the desk fills in the event date
    and a reason and checks; the dry run answers what would happen, or the refusal with its
    code, the limit that blocks and when the customer could have it. A check that would issue
    shows the values checked, fixed, to confirm (``issue``) or to change (``edit``); only what
    was checked can be issued. A confirmation refused makes a new request id, so the next check
    is judged afresh rather than answered with that refusal."""

    template_name = "badges/ui/customers/issue.html"

    def get(self, request, customer_id):
        customer = self.customer()
        if "badge_name" in request.GET:
            named = badge_by_name(request)
            if named is None:
                messages.error(request, "No badge of this org has that name.")
                return self.done(customer)
            path = reverse("customers-ui:issue", kwargs={"customer_id": customer.customer_id})
            return redirect(f"{path}?{urlencode({'badge': named.pk})}")
        badge = chosen_badge(request)
        form = CareIssueForm(initial={"request_id": fresh_request_id()}, zone=request.org.tzinfo)
        return self._page(customer, badge, form)

    def _page(self, customer, badge, form, outcome=None, status=200):
        confirming = outcome is not None and outcome.status == "WOULD_ISSUE"
        with timezone.override(self.request.org.tzinfo):
            context = self.get_context_data(
                customer=customer,
                badge=badge,
                form=form,
                outcome=outcome,
                confirming=confirming,
                checked_event=form.instant() if confirming else None,
            )
            return self.render_to_response(context, status=status).render()

    def post(self, request, customer_id):
        customer, badge = self.customer(), chosen_badge(request)
        form = CareIssueForm(request.POST, zone=request.org.tzinfo)
        step = request.POST.get("step")
        if not form.is_valid() or step == "edit":
            return self._page(customer, badge, form, status=200 if form.is_valid() else 400)
        confirmed = step == "issue"
        order = issuance.IssueOrder(
            request_id=form.cleaned_data["request_id"],
            event_date=form.instant(),
            source=IssueSource.MEMBERCARE,
            dry_run=not confirmed,
            reason=form.cleaned_data["reason"],
        )
        try:
            outcome = for_the_customer(request, issuance.issue, badge, customer, order)
        except RuleViolation as refusal:
            violations_on_form(form, refusal.violations)
            return self._page(customer, badge, form, status=400)
        if not confirmed:
            return self._page(customer, badge, form, outcome=outcome)
        if outcome.status == "REFUSED":
            again = request.POST.copy()
            again["request_id"] = fresh_request_id()
            form = CareIssueForm(again, zone=request.org.tzinfo)
            form.is_valid()
            return self._page(customer, badge, form, outcome=outcome, status=400)
        if outcome.replayed:
            messages.info(request, f"This issue of “{badge.name}” was already made.")
        else:
            messages.success(request, f"“{badge.name}” is issued to {customer}.")
        return self.done(customer)


class RevokeView(CustomerActionView):
    """Revoke one of the customer's issuances or enrolments with a reason, behind a
    confirmation. Revoking one already revoked keeps the first revocation."""

    template_name = "badges/ui/customers/revoke.html"
    kind = "issuance"

    def record(self, customer):
        try:
            if self.kind == "issuance":
                return customer_selectors.customer_issuance(
                    customer=customer, issual_id=self.kwargs["record_id"]
                )
            return customer_selectors.customer_enrolment_get(
                customer=customer, enrolment_id=self.kwargs["record_id"]
            )
        except (Issuance.DoesNotExist, Enrolment.DoesNotExist) as error:
            raise Http404("Nothing to revoke here.") from error

    def _page(self, customer, record, form, status=200):
        context = self.get_context_data(
            customer=customer,
            record=record,
            kind=self.kind,
            status_now=record.status_at(self.request.now),
            form=form,
        )
        return self.render_to_response(context, status=status)

    def get(self, request, customer_id, record_id):
        customer = self.customer()
        return self._page(customer, self.record(customer), RevokeForm())

    def post(self, request, customer_id, record_id):
        customer = self.customer()
        record = self.record(customer)
        form = RevokeForm(request.POST)
        if not form.is_valid():
            return self._page(customer, record, form, status=400)
        revoke = issuance.issuance_revoke if self.kind == "issuance" else enrolment.enrolment_revoke
        try:
            revoke(
                **{self.kind: record},
                reason=form.cleaned_data["reason"],
                actor=request.user,
                now=request.now,
            )
        except RuleViolation as refusal:
            violations_on_form(form, refusal.violations)
            return self._page(customer, record, form, status=400)
        messages.success(request, f"The {self.kind} of “{record.badge.name}” is revoked.")
        return self.done(customer)
