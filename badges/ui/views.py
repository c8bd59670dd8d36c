"""The Badge Universe, the badge view and the activation pages. They translate the browser's
requests to the selectors, filters and services the API uses; no rule lives here."""

from django.contrib import messages
from django.core.paginator import InvalidPage
from django.http import Http404
from django.shortcuts import redirect
from django.utils.cache import patch_vary_headers
from django.views.generic import TemplateView

from badges import selectors
from badges.choices import BadgeStatus, LimitScope, Module
from badges.exceptions import RuleViolation
from badges.filters import BadgeFilter
from badges.models import Badge, Customer, ImageSlot
from badges.services import definitions
from badges.windows import config_states
from badges_project.paging import WHOLE_NUMBER, KeysFirstPaginator
from badges_project.ui.access import OrgPageMixin, can_write
from badges_project.ui.pages import next_page, violations_on_form

from .forms import ClaimForm, OwnerForm

PAGE_SIZE = 50  # as the API list's default page
ORDERING_LABELS = {
    "-updated_on": "Last updated, newest first",
    "updated_on": "Last updated, oldest first",
    "name": "Name, A to Z",
    "-name": "Name, Z to A",
    "start_on": "Start, earliest first",
    "-start_on": "Start, latest first",
    "expires_on": "End, earliest first",
    "-expires_on": "End, latest first",
    "created_on": "Created, oldest first",
    "-created_on": "Created, newest first",
    "issued_count": "Badges issued, fewest first",
    "-issued_count": "Badges issued, most first",
}


class UniverseView(OrgPageMixin, TemplateView):
    """The org's badges under the API list's filters (same parameters, same filter class, same
    selector). An htmx request gets the results alone, which it swaps in and pushes as the URL;
    every URL also renders as a whole page."""

    template_name = "badges/ui/universe.html"

    def get(self, request, *args, **kwargs):
        filters = BadgeFilter(
            request.GET, queryset=selectors.badge_list(org=request.org), request=request
        )
        context = self.get_context_data(filters=filters, **self._choices())
        if not filters.is_valid():
            context.update(rows=[], page=None, errors=filters.errors)
            return self._render(context, status=400)
        paginator = KeysFirstPaginator(filters.qs, PAGE_SIZE)
        number = request.GET.get("page", "1")
        try:
            if not WHOLE_NUMBER.fullmatch(number):  # as the API list reads it
                raise InvalidPage
            page = paginator.page(number)
        except InvalidPage as error:
            raise Http404("No such page.") from error
        context.update(rows=selectors.badge_reads_loaded(list(page.object_list)), page=page)
        return self._render(context)

    def _render(self, context, status=200):
        """The results alone for htmx's swaps; the whole page otherwise, also when htmx
        restores a page from history (it asks for the whole page then). The answer varies on
        ``HX-Request``, so no cache hands one kind for the other."""
        template = self.template_name
        htmx = self.request.htmx
        if htmx and not htmx.boosted and not htmx.history_restore_request:
            template += "#results"
        if htmx and htmx.history_restore_request:
            status = 200  # htmx restores 2xx answers only; the page shows the refusal itself
        response = self.response_class(self.request, template, context, status=status)
        patch_vary_headers(response, ("HX-Request",))
        return response

    def _choices(self) -> dict:
        chosen = self.request.GET

        def ticked(name, choices):
            return [(value, label, value in chosen.getlist(name)) for value, label in choices]

        return {
            "statuses": ticked("status", BadgeStatus.choices),
            "activations": ticked("is_active", [("true", "Active"), ("false", "Inactive")]),
            "owners": ticked("owner", Module.choices),
            "claimers": ticked("claimed_by", Module.choices),
            "orderings": ORDERING_LABELS.items(),
            "ordering": chosen.get("ordering", "-updated_on"),
            "ordering_other": chosen.get("ordering", "-updated_on") not in ORDERING_LABELS,
            "search": chosen.get("search", ""),
            "can_write": can_write(self.request),
        }


class BadgeView(OrgPageMixin, TemplateView):
    """One badge: its configuration and its information (ID, authors, change history)."""

    template_name = "badges/ui/badge.html"

    def get_context_data(self, **kwargs):
        badge = badge_or_404(self.request, self.kwargs["pk"])
        now = self.request.now
        kwargs.setdefault("claim_form", ClaimForm(prefix="claim"))
        kwargs.setdefault("owner_form", OwnerForm(prefix="owner"))
        return super().get_context_data(
            badge=badge,
            customer_limit=badge.limit_set(LimitScope.CUSTOMER, now),
            badge_limit=badge.limit_set(LimitScope.BADGE, now),
            fixed_windows=config_states(badge.rows("fixed_window_configs"), now),
            status=badge.status_at(now),
            images=_slots(badge),
            changes=selectors.badge_changes(badge=badge)[:50],
            can_write=can_write(self.request),
            **kwargs,
        )


class OwnerAddView(BadgeView):
    """Add an owning module from the badge view (owners are added, never removed)."""

    http_method_names = ["post"]

    def post(self, request, pk):
        badge = badge_or_404(request, pk)
        form = OwnerForm(request.POST, prefix="owner")
        if form.is_valid():
            module = form.cleaned_data["module"]
            definitions.owner_add(badge=badge, module=module, actor=request.user, now=request.now)
            messages.success(request, f"{Module(module).label} now owns “{badge.name}”.")
            return redirect("badges-ui:badge", pk=badge.pk)
        return self.render_to_response(self.get_context_data(owner_form=form), status=400)


class ClaimAddView(BadgeView):
    """Add a claim from the badge view, through the service that judges it."""

    http_method_names = ["post"]

    def post(self, request, pk):
        badge = badge_or_404(request, pk)
        form = ClaimForm(request.POST, prefix="claim")
        if form.is_valid():
            try:
                definitions.claim_add(
                    badge=badge, actor=request.user, now=request.now, **form.cleaned_data
                )
            except RuleViolation as refusal:
                violations_on_form(form, refusal.violations)
            else:
                messages.success(request, f"The claim is added to “{badge.name}”.")
                return redirect("badges-ui:badge", pk=badge.pk)
        return self.render_to_response(self.get_context_data(claim_form=form), status=400)


class ActivationView(OrgPageMixin, TemplateView):
    """Deactivate or activate a badge behind a confirmation page."""

    template_name = "badges/ui/activation.html"
    write_page = True
    activate = False

    def get_context_data(self, **kwargs):
        badge = badge_or_404(self.request, self.kwargs["pk"])
        return super().get_context_data(
            badge=badge,
            activate=self.activate,
            status=badge.status_at(self.request.now),
            next=next_page(self.request),
            **kwargs,
        )

    def post(self, request, pk):
        badge = badge_or_404(request, pk)
        change = definitions.badge_activate if self.activate else definitions.badge_deactivate
        try:
            change(badge=badge, actor=request.user, now=request.now)
        except RuleViolation as refusal:
            context = self.get_context_data(violations=refusal.violations)
            return self.render_to_response(context, status=400)
        verb = "activated" if self.activate else "deactivated"
        messages.success(request, f"“{badge.name}” is {verb}.")
        return redirect(next_page(request))


def _slots(badge: Badge) -> list[tuple]:
    """Every image slot, in order, with its image or None."""
    filled = {image.slot: image for image in badge.rows("images")}
    return [(slot, label, filled.get(slot)) for slot, label in ImageSlot.choices]


def customer_or_404(request, customer_id: str) -> Customer:
    try:
        return selectors.customer_get(org=request.org, customer_id=customer_id)
    except Customer.DoesNotExist as error:
        raise Http404("No such customer.") from error


def badge_or_404(request, pk) -> Badge:
    try:
        return selectors.badge_get(org=request.org, badge_id=pk)
    except (Badge.DoesNotExist, ValueError) as error:
        raise Http404("No such badge.") from error
