"""The operators' face. Writes go through the services; derived fields are read-only."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
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
    Customer,
    Enrolment,
    FixedWindowConfig,
    FixedWindowCycle,
    Issuance,
    IssuanceStatus,
    IssueExpiryType,
    IssueRequest,
    Membership,
    Module,
    Organization,
    RollingLimit,
)
from badges.services import definitions, enrolment, issuance, orgs
from badges.services.fixed_windows import config_status
from badges.values import Expiry
from customfields.models import BadgeFieldValue


def add_violations(form: forms.Form, error: RuleViolation) -> None:
    """Show a service's refusal on the form, each message on its field where the form has it."""
    for violation in error.violations:
        field = violation.field.split(".")[0]
        form.add_error(
            field if field in form.fields else None,
            ValidationError(violation.message, code=violation.code),
        )


def fixed_window_status(config: FixedWindowConfig) -> str:
    """The config's status now, derived like every read (the badge's configs are prefetched)."""
    return config_status(config, list(config.badge.fixed_window_configs.all()), timezone.now())


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


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


class FixedWindowInline(ReadOnlyInline):
    model = FixedWindowConfig

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("badge__fixed_window_configs")

    fields = [
        "scope",
        "current_status",
        "max_earn_limit",
        "duration_type",
        "refresh_rate",
        "week_start_day",
        "starts_on",
        "ended_on",
    ]
    readonly_fields = ["current_status"]

    @admin.display(description="status")
    def current_status(self, config):
        return fixed_window_status(config)


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


def list_filter(title: str, choices, q_for) -> type[admin.SimpleListFilter]:
    """A list filter whose choices map to a selector's query (derived or related values)."""

    class Filter(admin.SimpleListFilter):
        parameter_name = title.replace(" ", "_")

        def lookups(self, request, model_admin):
            return choices

        def queryset(self, request, queryset):
            if self.value() in dict(choices):
                return queryset.filter(q_for(self.value()))
            return queryset

    Filter.title = title
    return Filter


StatusFilter = list_filter(
    "status", BadgeStatus.choices, lambda v: selectors.badge_status_q([v], timezone.now())
)
OwnerFilter = list_filter("owner", Module.choices, lambda v: selectors.badges_owned_by_q([v]))
IssuanceStatusFilter = list_filter(
    "status", IssuanceStatus.choices, lambda v: selectors.issuance_status_q([v], timezone.now())
)


class BadgeAdminForm(forms.ModelForm):
    """Creates and updates through the definition service, which checks every rule."""

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

    actor = None

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

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        now = timezone.now()
        try:
            if self.instance._state.adding:
                self.instance = definitions.badge_create(
                    org=data["org"],
                    actor=self.actor,
                    now=now,
                    definition=definitions.Definition(
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
            else:
                changes = {
                    field: data[field]
                    for field in (
                        "name",
                        "description",
                        "start_on",
                        "expires_on",
                        "owners",
                        "group",
                        "rank",
                    )
                    if field in self.changed_data
                }
                if "owners" in changes:
                    changes["owners"] = tuple(changes["owners"])
                if "group" in changes:
                    changes["group"] = changes["group"].pk if changes["group"] else None
                if any(
                    f.startswith(("enrolment_expiry", "issue_expiry")) for f in self.changed_data
                ):
                    changes.update(self._expiries({**self.initial, **data}))
                self.instance = definitions.badge_update(
                    badge=self.instance, actor=self.actor, now=now, **changes
                )
        except RuleViolation as error:
            add_violations(self, error)
        return data


@admin.register(Badge)
class BadgeAdmin(admin.ModelAdmin):
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

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user
        return form

    def save_model(self, request, obj, form, change):
        """The form's clean() already saved through the service."""

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


class ClaimAdminForm(forms.ModelForm):
    class Meta:
        model = BadgeClaim
        fields = ["badge", "module", "reference", "detail"]

    actor = None

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                self.instance, _ = definitions.claim_add(
                    badge=data["badge"],
                    module=data["module"],
                    reference=data["reference"],
                    detail=data.get("detail", ""),
                    actor=self.actor,
                    now=timezone.now(),
                )
            except RuleViolation as error:
                add_violations(self, error)
        return data

    def validate_unique(self):
        """A repeated claim is a no-op for the service, not an error."""


class AddOnlyAdmin(admin.ModelAdmin):
    """Owners and claims are added through the services and never changed or removed."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user
        return form

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """The form's clean() already saved through the service."""


@admin.register(BadgeClaim)
class BadgeClaimAdmin(AddOnlyAdmin):
    form = ClaimAdminForm
    list_display = ["badge", "module", "reference", "detail", "claimed_on", "claimed_by"]
    list_filter = ["module"]
    list_select_related = ["badge", "claimed_by"]
    search_fields = ["badge__name", "reference", "detail"]
    autocomplete_fields = ["badge"]


class OwnerAdminForm(forms.ModelForm):
    class Meta:
        model = BadgeOwner
        fields = ["badge", "module"]

    actor = None

    def clean(self):
        data = super().clean()
        if not self.errors:
            badge = definitions.owner_add(
                badge=data["badge"], module=data["module"], actor=self.actor, now=timezone.now()
            )
            self.instance = badge.owners.get(module=data["module"])
        return data

    def validate_unique(self):
        """Adding an existing owner is a no-op for the service, not an error."""


@admin.register(BadgeOwner)
class BadgeOwnerAdmin(AddOnlyAdmin):
    form = OwnerAdminForm
    list_display = ["badge", "module", "added_on", "added_by"]
    list_filter = ["module"]
    list_select_related = ["badge", "added_by"]
    search_fields = ["badge__name"]
    autocomplete_fields = ["badge"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by the badge service, shown for operators."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
class FixedWindowConfigAdmin(ReadOnlyAdmin):
    list_display = [
        "badge",
        "scope",
        "current_status",
        "max_earn_limit",
        "duration_type",
        "refresh_rate",
        "week_start_day",
        "starts_on",
        "ended_on",
    ]
    list_filter = ["scope", "duration_type"]
    list_select_related = ["badge"]
    search_fields = ["badge__name"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("badge__fixed_window_configs")

    inlines = [FixedWindowCycleInline]

    @admin.display(description="status")
    def current_status(self, config):
        return fixed_window_status(config)


@admin.register(BadgeChange)
class BadgeChangeAdmin(ReadOnlyAdmin):
    list_display = ["changed_on", "badge", "action", "actor"]
    list_filter = ["action"]
    list_select_related = ["badge", "actor"]
    search_fields = ["badge__name", "=badge__id"]
    date_hierarchy = "changed_on"


class OrganizationAdminForm(forms.ModelForm):
    webhook_url = forms.URLField(required=False, assume_scheme="https")

    class Meta:
        model = Organization
        fields = [
            "name",
            "timezone",
            "retro_max_allowed_age_days",
            "retro_delay_since_registration_hours",
            "revoke_on_return",
            "webhook_url",
            "webhook_secret",
        ]
        widgets = {"webhook_secret": forms.PasswordInput(render_value=True)}


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    """Orgs are created with ``manage.py create_org``; settings change through the service."""

    form = OrganizationAdminForm
    list_display = [
        "name",
        "slug",
        "timezone",
        "retro_max_allowed_age_days",
        "retro_delay_since_registration_hours",
        "revoke_on_return",
        "created_on",
    ]
    list_filter = ["revoke_on_return", "timezone"]
    search_fields = ["name", "slug"]
    readonly_fields = ["slug", "created_on"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        orgs.org_update(org=obj, **{f: form.cleaned_data[f] for f in form.changed_data})


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "org", "role", "created_on"]
    list_filter = ["role", "org"]
    list_select_related = ["user", "org"]
    search_fields = ["user__username", "org__name", "org__slug"]
    autocomplete_fields = ["user"]

    def save_model(self, request, obj, form, change):
        orgs.membership_set(org=obj.org, user=obj.user, role=obj.role)


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = ["customer_id", "org", "registered_on", "created_on"]
    list_filter = ["org"]
    list_select_related = ["org"]
    search_fields = ["=customer_id"]
    show_full_result_count = False


class RevocableAdmin(ReadOnlyAdmin):
    """Issuances and enrolments: shown with their derived status, revoked through a service."""

    list_select_related = ["badge", "customer"]
    list_filter = [IssuanceStatusFilter]
    show_full_result_count = False
    actions = ["revoke"]

    def revoke_one(self, obj, **kwargs):
        raise NotImplementedError

    @admin.display(description="status")
    def status(self, obj) -> str:
        return obj.status_at(timezone.now())

    @admin.action(description="Revoke selected rows")
    def revoke(self, request, queryset):
        reason = f"Revoked in admin by {request.user.get_username()}"
        for obj in queryset:
            self.revoke_one(obj, reason=reason, actor=request.user, now=timezone.now())
        self.message_user(request, f"Revoked {len(queryset)}.", messages.SUCCESS)


@admin.register(Issuance)
class IssuanceAdmin(RevocableAdmin):
    list_display = [
        "issual_id",
        "badge",
        "customer",
        "status",
        "source",
        "event_date",
        "issued_on",
        "expires_on",
        "revoked_on",
    ]
    list_filter = [IssuanceStatusFilter, "source", "issued_on"]
    search_fields = ["=issual_id", "=customer__customer_id", "badge__name", "=request_id"]

    def revoke_one(self, obj, **kwargs):
        issuance.issuance_revoke(issuance=obj, **kwargs)


@admin.register(Enrolment)
class EnrolmentAdmin(RevocableAdmin):
    list_display = [
        "id",
        "badge",
        "customer",
        "status",
        "enrol_event_date",
        "expires_on",
        "revoked_on",
    ]
    search_fields = ["=id", "=customer__customer_id", "badge__name"]

    def revoke_one(self, obj, **kwargs):
        enrolment.enrolment_revoke(enrolment=obj, **kwargs)


@admin.register(IssueRequest)
class IssueRequestAdmin(ReadOnlyAdmin):
    list_display = ["request_id", "badge", "customer", "code", "issuance", "created_on"]
    list_filter = ["code"]
    list_select_related = ["badge", "customer", "issuance"]
    search_fields = ["=request_id", "=customer__customer_id"]
    show_full_result_count = False
