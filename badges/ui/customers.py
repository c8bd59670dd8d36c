"""The customer pages (SPEC 15): find a customer by id, and the customer-care desk's page of one
customer's badges, their progress toward targets (SPEC 12) and the badges available to them.
Reads go through the selectors and the filter class the customer badges API uses; the actions
are in ``care``."""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.paginator import InvalidPage
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import TemplateView

from badges.events.selectors import BadgeProgress, customer_progress, progress_by_badge
from badges.exceptions import RuleViolation
from badges.filters import CustomerBadgeFilter
from badges.models import Badge, Customer, ImageSlot, Issuance, IssuanceStatus
from badges.selectors import customers as customer_selectors
from badges.services import customers
from badges_project.paging import WHOLE_NUMBER, KeysFirstPaginator
from badges_project.ui.access import OrgPageMixin, can_write
from badges_project.ui.pages import filters_sent, violations_on_form
from groups import selectors as group_selectors

from .care import RegisterForm
from .inputs import instant_in
from .views import customer_or_404

PAGE_SIZE = 100  # a customer's badges; the available badges and progress come 50 to a page
AVAILABLE_PAGE_SIZE = 50
PROGRESS_PAGE_SIZE = 50
ENDED_SUGGESTED = 100  # badges that ended within the retro window, suggested by name


@dataclass
class CustomerBadgeRow:
    """One issuance as the customer page shows it: its status now and the image that fits."""

    issuance: Issuance
    status: IssuanceStatus
    image: object


@dataclass
class AvailableRow:
    """A live, active badge with the customer's enrolment, the issuance they hold now and
    where they stand on its target (None for a badge no active target rule issues)."""

    badge: Badge
    enrolment: object
    enrolment_status: str
    held: Issuance | None
    image: object
    progress: BadgeProgress | None = None


def image_in(badge: Badge, slot: ImageSlot):
    """The badge's image in ``slot``: the slot that fits the customer's state (issued for a
    badge held now, in progress toward its target, unissued otherwise), or None."""
    return next((image for image in badge.rows("images") if image.slot == slot), None)


def available_slot(held: Issuance | None, progress: BadgeProgress | None) -> ImageSlot:
    """An available badge's state for the customer: held now, else in progress toward its
    target (some progress, not reached), else unissued."""
    if held is not None:
        return ImageSlot.ISSUED
    if progress is not None and progress.in_progress:
        return ImageSlot.IN_PROGRESS
    return ImageSlot.UNISSUED


def page_of(request, rows, size: int, parameter: str):
    """The page a query parameter names (as the API lists read it), 404 for one that isn't."""
    number = request.GET.get(parameter, "1")
    try:
        if not WHOLE_NUMBER.fullmatch(number):
            raise InvalidPage
        return KeysFirstPaginator(rows, size).page(number)
    except InvalidPage as error:
        raise Http404("No such page.") from error


class CustomerSearchView(OrgPageMixin, TemplateView):
    """Find a customer by the id the loyalty system gives them: a match opens their page; an
    unknown id says so, and an editor may add the customer here."""

    template_name = "badges/ui/customers/search.html"

    def get(self, request, *args, **kwargs):
        customer_id = request.GET.get("customer_id")
        if customer_id:
            customer = customer_selectors.customer_find(org=request.org, customer_id=customer_id)
            if customer is not None:
                return redirect("customers-ui:customer", customer_id=customer.customer_id)
        context = self.get_context_data(
            customer_id=customer_id or "",
            not_found=bool(customer_id),
            register_form=RegisterForm(initial={"customer_id": customer_id or ""}),
            can_write=can_write(request),
        )
        return self.render_to_response(context)

    def post(self, request, *args, **kwargs):
        """Add a customer not seen yet; one that exists (a second submit, say) is opened as
        it is, its registration unchanged."""
        form = RegisterForm(request.POST)
        if form.is_valid():
            customer_id = form.cleaned_data["customer_id"]
            registered = form.cleaned_data["registered_on"]
            try:
                customers.customer_add(
                    org=request.org,
                    customer_id=customer_id,
                    registered_on=instant_in(registered, request.org.tzinfo)
                    if registered
                    else None,
                    now=request.now,
                )
            except RuleViolation as refusal:
                if refusal.violations[0].code == "CUSTOMER_EXISTS":
                    messages.info(request, f"Customer {customer_id} already exists.")
                    return redirect("customers-ui:customer", customer_id=customer_id)
                violations_on_form(form, refusal.violations)
            except forms.ValidationError as error:
                form.add_error("registered_on", error)
            else:
                messages.success(request, f"Customer {customer_id} is added.")
                return redirect("customers-ui:customer", customer_id=customer_id)
        context = self.get_context_data(
            customer_id=request.POST.get("customer_id", ""),
            not_found=True,
            register_form=form,
            can_write=True,
        )
        return self.render_to_response(context, status=400)


class CustomerView(OrgPageMixin, TemplateView):
    """One customer: their badges in the display order of SPEC 10 under the API's filters, the
    badges available to them with their enrolment state, and the customer-care actions."""

    template_name = "badges/ui/customers/customer.html"

    def get(self, request, *args, **kwargs):
        customer = customer_or_404(request, kwargs["customer_id"])
        org, now, query = request.org, request.now, filters_sent(request.GET)
        filters = CustomerBadgeFilter(
            query,
            queryset=customer_selectors.customer_issuances(customer=customer),
            request=request,
        )
        filtered = not CustomerBadgeFilter.display_order_alone(query)
        context = self.get_context_data(
            customer=customer,
            filters=filters,
            filtered=filtered,
            chosen_statuses=query.getlist("status"),
            chosen_badge=query.get("badge", ""),
            chosen_group=query.get("group", ""),
            statuses=IssuanceStatus.choices,
            badge_choices=customer_selectors.customer_badge_choices(customer=customer),
            group_choices=group_selectors.group_list(org=org).filter(is_active=True),
            ended_badges=customer_selectors.care_issuable_ended_badges(org=org, now=now)[
                :ENDED_SUGGESTED
            ],
            can_write=can_write(request),
            **self._available(customer),
            **self._progress(customer),
        )
        status = 200
        if filters.is_valid():
            read = filters.qs if filtered else customer_selectors.CustomerBadgePages(customer)
            page = page_of(request, read, PAGE_SIZE, "page")
            issuances = list(page.object_list)
            customer_selectors.badge_images_loaded([issuance.badge for issuance in issuances])
            context.update(page=page, rows=[self._row(i) for i in issuances])
        else:
            context.update(page=None, rows=[], errors=filters.errors)
            status = 400
        return self.render_to_response(context, status=status)

    def _row(self, issuance: Issuance) -> CustomerBadgeRow:
        status = issuance.status_at(self.request.now)
        held = status == IssuanceStatus.ACTIVE
        slot = ImageSlot.ISSUED if held else ImageSlot.UNISSUED
        return CustomerBadgeRow(issuance, status, image_in(issuance.badge, slot))

    def _available(self, customer: Customer) -> dict:
        org, now = self.request.org, self.request.now
        found = customer_selectors.available_badges(org=org, customer=customer, now=now)
        page = page_of(self.request, found, AVAILABLE_PAGE_SIZE, "available_page")
        badges = customer_selectors.badge_images_loaded(list(page.object_list))
        progress = progress_by_badge(org=org, customer=customer, badges=badges)
        rows = []
        for badge in badges:
            enrolment = customer_selectors.customer_enrolment(badge, now)
            held = badge.customer_active_issuances[0] if badge.customer_active_issuances else None
            standing = progress.get(badge.pk)
            rows.append(
                AvailableRow(
                    badge=badge,
                    enrolment=enrolment,
                    enrolment_status=enrolment.status_at(now) if enrolment else "NOT_ENROLLED",
                    held=held,
                    image=image_in(badge, available_slot(held, standing)),
                    progress=standing,
                )
            )
        return {"available": rows, "available_page": page}

    def _progress(self, customer: Customer) -> dict:
        """The customer's progress toward every target, period by period (SPEC 12)."""
        found = customer_progress(customer=customer)
        page = page_of(self.request, found, PROGRESS_PAGE_SIZE, "progress_page")
        return {"progress": list(page.object_list), "progress_page": page}
