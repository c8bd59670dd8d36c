"""Badge definitions in the admin: badges with their owners, claims, benefits, limits, fixed
windows and history. Adds and changes go through the definition services."""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone

from badges import selectors
from badges.exceptions import RuleViolation
from badges.models import (
    Badge,
    BadgeBenefit,
    BadgeChange,
    BadgeClaim,
    BadgeOwner,
    BadgeStatus,
    FixedWindowConfig,
    FixedWindowCycle,
    IssueExpiryType,
    Module,
    RollingLimit,
)
from badges.services import definitions
from badges.values import Definition, Expiry
from badges.windows import config_status
from badges_project.admin import (
    AddOnlyAdmin,
    ReadOnlyAdmin,
    ReadOnlyInline,
    ServiceAdmin,
    ServiceForm,
    list_filter,
)
from customfields.models import BadgeFieldValue

from .images import ImageInline


class OwnerInline(ReadOnlyInline):
    model = BadgeOwner
    fields = ["module", "added_on", "added_by"]


class ClaimInline(ReadOnlyInline):
    model = BadgeClaim
    fields = ["module", "reference", "detail", "claimed_on", "claimed_by"]


class BenefitInline(ReadOnlyInline):
    model = BadgeBenefit
    fields = ["position", "type", "reference_id", "name", "details"]


class RollingLimitInline(ReadOnlyInline):
    model = RollingLimit
    fields = ["scope", "limit", "value", "unit"]


class FixedWindowColumns:
    """A fixed-window config's columns, its status derived like every read."""

    columns = [
        "scope",
        "current_status",
        "max_earn_limit",
        "duration_type",
        "refresh_rate",
        "week_start_day",
        "starts_on",
        "ended_on",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("badge__fixed_window_configs")

    @admin.display(description="status")
    def current_status(self, config: FixedWindowConfig) -> str:
        return config_status(config, list(config.badge.fixed_window_configs.all()), timezone.now())


class FixedWindowInline(FixedWindowColumns, ReadOnlyInline):
    model = FixedWindowConfig
    fields = FixedWindowColumns.columns
    readonly_fields = ["current_status"]


class FixedWindowCycleInline(ReadOnlyInline):
    model = FixedWindowCycle
    fields = ["starts_on", "ends_on"]
    verbose_name_plural = "cycles recorded by the rollover job"


class BadgeFieldValueInline(ReadOnlyInline):
    """A badge's custom field values, written through the badge service."""

    model = BadgeFieldValue
    fields = ["field", "value"]


class ChangeInline(ReadOnlyInline):
    model = BadgeChange
    fields = ["changed_on", "action", "actor", "changes"]
    verbose_name_plural = "change history"


StatusFilter = list_filter(
    "status", BadgeStatus.choices, lambda v: selectors.badge_status_q([v], timezone.now())
)
OwnerFilter = list_filter("owner", Module.choices, lambda v: selectors.badges_owned_by_q([v]))


class BadgeAdminForm(ServiceForm):
    """Creates and updates through the definition service, which checks every rule."""

    CHANGEABLE = ("name", "description", "start_on", "expires_on", "owners", "group", "rank")

    owners = forms.MultipleChoiceField(
        choices=Module.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Owners can be added, never removed.",
    )

    class Meta:
        model = Badge
        fields = [
            "org",
            "name",
            "description",
            "start_on",
            "expires_on",
            "issue_type",
            "enrolment_expiry_type",
            "enrolment_expiry_value",
            "enrolment_expiry_unit",
            "issue_expiry_type",
            "issue_expiry_value",
            "issue_expiry_unit",
            "issue_expiry_date",
            "group",
            "rank",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            self.initial["owners"] = [o.module for o in self.instance.owners.all()]

    def _expiries(self, data) -> dict:
        enrolment = None
        if data.get("enrolment_expiry_type"):
            enrolment = Expiry(
                type=data["enrolment_expiry_type"],
                value=data.get("enrolment_expiry_value"),
                unit=data.get("enrolment_expiry_unit") or None,
            )
        issue = Expiry(
            type=data["issue_expiry_type"],
            value=data.get("issue_expiry_value"),
            unit=data.get("issue_expiry_unit") or None,
            date=data.get("issue_expiry_date")
            if data["issue_expiry_type"] == IssueExpiryType.FIXED_DATE
            else None,
        )
        return {"enrolment_expiry": enrolment, "issue_expiry": issue}

    def save_through(self, data: dict, now) -> Badge:
        if self.instance._state.adding:
            return definitions.badge_create(
                org=data["org"],
                actor=self.actor,
                now=now,
                definition=Definition(
                    name=data["name"],
                    description=data.get("description", ""),
                    start_on=data["start_on"],
                    expires_on=data["expires_on"],
                    issue_type=data["issue_type"],
                    owners=tuple(data["owners"]),
                    group=data["group"].pk if data.get("group") else None,
                    rank=data.get("rank"),
                    **self._expiries(data),
                ),
            )
        changes = {field: data[field] for field in self.CHANGEABLE if field in self.changed_data}
        if "owners" in changes:
            changes["owners"] = tuple(changes["owners"])
        if "group" in changes:
            changes["group"] = changes["group"].pk if changes["group"] else None
        if any(f.startswith(("enrolment_expiry", "issue_expiry")) for f in self.changed_data):
            changes.update(self._expiries({**self.initial, **data}))
        return definitions.badge_update(badge=self.instance, actor=self.actor, now=now, **changes)


@admin.register(Badge)
class BadgeAdmin(ServiceAdmin):
    form = BadgeAdminForm
    list_display = [
        "name",
        "org",
        "status",
        "is_active",
        "issue_type",
        "owner_list",
        "group",
        "rank",
        "start_on",
        "expires_on",
        "issued_count",
        "updated_on",
        "updated_by",
    ]
    list_filter = [StatusFilter, "is_active", OwnerFilter, "issue_type", "org"]
    list_select_related = ["org", "group", "updated_by"]
    search_fields = ["name", "=id"]
    ordering = ["-updated_on"]
    actions = ["activate", "deactivate"]
    inlines = [
        OwnerInline,
        ClaimInline,
        BenefitInline,
        RollingLimitInline,
        FixedWindowInline,
        ImageInline,
        BadgeFieldValueInline,
        ChangeInline,
    ]
    readonly_fields = [
        "id",
        "status",
        "is_active",
        "customer_overall_limit",
        "badge_overall_limit",
        "issued_count",
        "issued_count_synced_at",
        "created_on",
        "created_by",
        "updated_on",
        "updated_by",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("owners")

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj is not None:
            fields += ["org", "issue_type"]
            if obj.status_at(timezone.now()) != BadgeStatus.UPCOMING:
                fields.append("start_on")
        return fields

    @admin.display(description="status")
    def status(self, badge: Badge) -> str:
        if badge._state.adding:
            return "-"
        return badge.status_at(timezone.now()).label

    @admin.display(description="owners")
    def owner_list(self, badge: Badge) -> str:
        return ", ".join(owner.module for owner in badge.owners.all()) or "-"

    def _each(self, request, queryset, service, verb):
        done = 0
        for badge in queryset:
            try:
                service(badge=badge, actor=request.user, now=timezone.now())
                done += 1
            except RuleViolation as error:
                self.message_user(request, f"{badge}: {error}", messages.ERROR)
        if done:
            self.message_user(request, f"{verb} {done} badge(s).", messages.SUCCESS)

    @admin.action(description="Activate selected badges")
    def activate(self, request, queryset):
        self._each(request, queryset, definitions.badge_activate, "Activated")

    @admin.action(description="Deactivate selected badges")
    def deactivate(self, request, queryset):
        self._each(request, queryset, definitions.badge_deactivate, "Deactivated")


class ClaimAdminForm(ServiceForm):
    class Meta:
        model = BadgeClaim
        fields = ["badge", "module", "reference", "detail"]

    def save_through(self, data: dict, now) -> BadgeClaim:
        claim, _ = definitions.claim_add(
            badge=data["badge"],
            module=data["module"],
            reference=data["reference"],
            detail=data.get("detail", ""),
            actor=self.actor,
            now=now,
        )
        return claim


@admin.register(BadgeClaim)
class BadgeClaimAdmin(AddOnlyAdmin):
    form = ClaimAdminForm
    list_display = ["badge", "module", "reference", "detail", "claimed_on", "claimed_by"]
    list_filter = ["module"]
    list_select_related = ["badge", "claimed_by"]
    search_fields = ["badge__name", "reference", "detail"]
    autocomplete_fields = ["badge"]


class OwnerAdminForm(ServiceForm):
    class Meta:
        model = BadgeOwner
        fields = ["badge", "module"]

    def save_through(self, data: dict, now) -> BadgeOwner:
        badge = definitions.owner_add(
            badge=data["badge"], module=data["module"], actor=self.actor, now=now
        )
        return badge.owners.get(module=data["module"])


@admin.register(BadgeOwner)
class BadgeOwnerAdmin(AddOnlyAdmin):
    form = OwnerAdminForm
    list_display = ["badge", "module", "added_on", "added_by"]
    list_filter = ["module"]
    list_select_related = ["badge", "added_by"]
    search_fields = ["badge__name"]
    autocomplete_fields = ["badge"]


@admin.register(BadgeBenefit)
class BadgeBenefitAdmin(ReadOnlyAdmin):
    list_display = ["badge", "position", "type", "reference_id", "name"]
    list_filter = ["type"]
    list_select_related = ["badge"]
    search_fields = ["badge__name", "reference_id", "name"]


@admin.register(RollingLimit)
class RollingLimitAdmin(ReadOnlyAdmin):
    list_display = ["badge", "scope", "limit", "value", "unit"]
    list_filter = ["scope", "unit"]
    list_select_related = ["badge"]
    search_fields = ["badge__name"]


@admin.register(FixedWindowConfig)
class FixedWindowConfigAdmin(FixedWindowColumns, ReadOnlyAdmin):
    list_display = ["badge", *FixedWindowColumns.columns]
    list_filter = ["scope", "duration_type"]
    list_select_related = ["badge"]
    search_fields = ["badge__name"]
    inlines = [FixedWindowCycleInline]


@admin.register(BadgeChange)
class BadgeChangeAdmin(ReadOnlyAdmin):
    list_display = ["changed_on", "badge", "action", "actor"]
    list_filter = ["action"]
    list_select_related = ["badge", "actor"]
    search_fields = ["badge__name", "=badge__id"]
    date_hierarchy = "changed_on"
