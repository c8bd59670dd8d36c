"""The rule pages (SPEC 12): the org's rules under the API list's filters, a new rule whose
badge is chosen among those its module may pick, an edit of what may change, and the disable,
enable and delete confirmations. A save whose claim the badge lacks stops at a confirmation
that names the permanent claim it adds, then sends the same values again with
``confirm_claim``. Every rule is the rule services'; these views translate."""

from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django.views.generic import TemplateView

from badges.choices import Module
from badges.events import selectors
from badges.events.choices import EventType, RuleAction
from badges.events.filters import RuleFilter
from badges.events.models import Rule
from badges.events.services import rules
from badges.exceptions import RuleViolation
from badges.models import Badge
from badges.selectors import badge_get
from badges.ui.customers import page_of
from badges.ui.display import module_words
from badges_project.ui.access import OrgPageMixin, can_write
from badges_project.ui.pages import filters_sent, refusal_words

from .forms import RuleCreateForm, RuleEditForm
from .words import condition_words, event_type_words, target_words

PAGE_SIZE = 50  # as the API list's default page
CLAIM_ASKED = "CLAIM_CONFIRMATION_REQUIRED"
ACTION_LABELS = {RuleAction.ISSUE_BADGE: "Issue the badge", RuleAction.REVOKE_BADGE: "Revoke it"}


@dataclass
class RuleRow:
    """A rule as the list shows it: its condition and target in words."""

    rule: Rule
    event: str
    condition: str
    target: str


def rule_row(rule: Rule) -> RuleRow:
    return RuleRow(
        rule,
        event_type_words(rule.event_type, rule.event_name),
        condition_words(rule.condition),
        target_words(rule.target),
    )


class RuleListView(OrgPageMixin, TemplateView):
    """The org's rules by name, under the ``rules/`` list's filters (the same filter class and
    selector), 50 to a page."""

    template_name = "badges/ui/events/rules.html"

    def get(self, request, *args, **kwargs):
        query = filters_sent(request.GET)
        filters = RuleFilter(query, queryset=selectors.rule_list(org=request.org), request=request)
        context = self.get_context_data(
            event_types=EventType.values,
            chosen_type=query.get("event_type", ""),
            chosen_active=query.get("is_active", ""),
            filtered=any(key in query for key in filters.base_filters),
            can_write=can_write(request),
        )
        if not filters.is_valid():
            context.update(rows=[], page=None, errors=filters.errors)
            return self.render_to_response(context, status=400)
        page = page_of(request, filters.qs, PAGE_SIZE, "page")
        context.update(page=page, rows=[rule_row(rule) for rule in page.object_list])
        return self.render_to_response(context)


@dataclass
class ClaimAsked:
    """The permanent claim a save would add to the rule's badge, and the rule it saves."""

    claim: str
    badge: Badge
    summary: list[tuple[str, str]]


def claim_asked(refusal: RuleViolation) -> bool:
    return refusal.violations[0].code == CLAIM_ASKED


# What the claim confirmation shows of the rule it saves.
SUMMARY_FIELDS = (
    "name",
    "module",
    "program",
    "event_type",
    "event_name",
    "action",
    "badge",
    "condition",
    "target",
)


def summary_of(
    *, name, module, program, event_type, event_name, action, badge, condition, target
) -> list[tuple[str, str]]:
    return [
        ("Name", name.strip()),
        ("Module", module_words(module)),
        ("Program", program.strip()),
        ("Event", event_type_words(event_type, event_name)),
        ("Action", ACTION_LABELS.get(action, action)),
        ("Badge", badge.name),
        ("Condition", condition_words(condition)),
        ("Target", target_words(target)),
    ]


class RuleFormView(OrgPageMixin, TemplateView):
    """Create or edit a rule in up to two steps: the form; then, when the badge lacks the
    rule's claim, a confirmation showing the values fixed (as hidden inputs) with "Confirm and
    save" (``step=confirm``, sent as ``confirm_claim``) and "Change" (back to the form)."""

    template_name = "badges/ui/events/rule_form.html"
    write_page = True
    rule = None

    def _page(self, form, *, asked: ClaimAsked | None = None, status: int = 200):
        row = rule_row(self.rule) if self.rule else None
        context = self.get_context_data(form=form, rule=self.rule, fixed=row, asked=asked)
        return self.render_to_response(context, status=status)

    def get(self, request, *args, **kwargs):
        return self._page(self.form())

    def post(self, request, *args, **kwargs):
        form = self.form(request.POST)
        step = request.POST.get("step")
        if not form.is_valid() or step == "change":
            return self._page(form, status=200 if form.is_valid() else 400)
        confirmed = step == "confirm"
        try:
            rule = self.save(form, confirm_claim=confirmed)
        except RuleViolation as refusal:
            if claim_asked(refusal):
                return self._page(form, asked=self.asked(form))
            form.add_violations(refusal.violations)
            return self._page(form, status=400)
        saved = f"The rule “{rule.name}” is saved"
        if confirmed:
            claim = claim_words(rule.module, rule.program, rule.event_type)
            saved += f"; “{rule.badge.name}” carries the claim {claim}"
        messages.success(request, f"{saved}.")
        return redirect("rules-ui:list")


def claim_words(module: str, program: str, event_type: str) -> str:
    """A claim as the confirmation names it: (LOYALTY, Supermarket program, TransactionAdd)."""
    return f"({module}, {program.strip()}, {event_type})"


class RuleCreateView(RuleFormView):
    def form(self, data=None) -> RuleCreateForm:
        return RuleCreateForm(data, org=self.request.org, now=self.request.now)

    def badge(self, form: RuleCreateForm) -> Badge | None:
        """The badge chosen, any of the org's (which one a rule may pick is the service's
        rule: RULE_BADGE_NOT_ELIGIBLE)."""
        badge_id = form.cleaned_data["badge"]
        if badge_id is None:
            return None
        try:
            return badge_get(org=self.request.org, badge_id=badge_id)
        except Badge.DoesNotExist:
            return None

    def save(self, form, *, confirm_claim: bool):
        request = self.request
        return rules.rule_create(
            org=request.org,
            draft=form.draft(self.badge(form)),
            confirm_claim=confirm_claim,
            actor=request.user,
            now=request.now,
        )

    def asked(self, form: RuleCreateForm) -> ClaimAsked:
        draft = form.draft(self.badge(form))
        return ClaimAsked(
            claim=claim_words(draft.module, draft.program, draft.event_type),
            badge=draft.badge,
            summary=summary_of(**{name: getattr(draft, name) for name in SUMMARY_FIELDS}),
        )


class RuleEditView(RuleFormView):
    """Name, program, condition and activation; the rest is shown, fixed. A new program is a
    new claim, confirmed as the first was."""

    @cached_property
    def rule(self) -> Rule:
        return rule_or_404(self.request, self.kwargs["pk"])

    def form(self, data=None) -> RuleEditForm:
        return RuleEditForm(data, rule=self.rule)

    def save(self, form, *, confirm_claim: bool):
        request = self.request
        return rules.rule_update(
            rule=self.rule,
            changes=form.changes(),
            confirm_claim=confirm_claim,
            actor=request.user,
            now=request.now,
        )

    def asked(self, form: RuleEditForm) -> ClaimAsked:
        rule, changes = self.rule, form.changes()
        values = {name: getattr(rule, name) for name in SUMMARY_FIELDS}
        values.update(changes)
        values.pop("is_active", None)
        return ClaimAsked(
            claim=claim_words(rule.module, values["program"], rule.event_type),
            badge=rule.badge,
            summary=summary_of(**values),
        )


class RuleBadgeChoicesView(OrgPageMixin, TemplateView):
    """The new rule form's badge input for the module chosen: htmx swaps it in when the module
    changes, keeping the badge chosen when the new module may pick it too."""

    template_name = "badges/ui/events/rule_form.html#badge-field"
    write_page = True

    def get(self, request, *args, **kwargs):
        module = request.GET.get("module", "")
        if module not in Module.values:
            raise Http404("No such module.")
        form = RuleCreateForm(
            initial={"module": module, "badge": request.GET.get("badge", "")},
            org=request.org,
            now=request.now,
        )
        return self.render_to_response(self.get_context_data(form=form))


class RuleConfirmView(OrgPageMixin, TemplateView):
    """Disable, enable or delete a rule behind a confirmation page: GET asks, POST acts and
    returns to the list."""

    template_name = "badges/ui/events/rule_confirm.html"
    write_page = True
    action = ""  # "disable", "enable" or "delete": the words the page shows

    @cached_property
    def rule(self) -> Rule:
        return rule_or_404(self.request, self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        rule, action = self.rule, self.action
        already = action != "delete" and rule.is_active == (action == "enable")
        return super().get_context_data(
            rule=rule, row=rule_row(rule), action=action, already=already, **kwargs
        )

    def post(self, request, *args, **kwargs):
        rule = self.rule
        try:
            if self.action == "delete":
                rules.rule_delete(rule=rule)
            else:
                rules.rule_update(
                    rule=rule,
                    changes={"is_active": self.action == "enable"},
                    confirm_claim=False,
                    actor=request.user,
                    now=request.now,
                )
        except RuleViolation as refusal:
            refusals = [refusal_words(violation) for violation in refusal.violations]
            return self.render_to_response(self.get_context_data(refusals=refusals), status=400)
        messages.success(request, f"The rule “{rule.name}” is {self.action}d.")
        return redirect("rules-ui:list")


def rule_or_404(request, pk) -> Rule:
    try:
        return selectors.rule_get(org=request.org, pk=pk)
    except Rule.DoesNotExist as error:
        raise Http404("No such rule.") from error
