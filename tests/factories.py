"""factory_boy factories for every model. They write rows directly, in any state, so tests can
set up live, ended or inactive badges; rules are exercised through the services."""

import io
from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.db.models import F
from django.utils import timezone
from factory.django import DjangoModelFactory
from PIL import Image
from rest_framework.authtoken.models import Token

from badges.models import (
    Badge,
    BadgeBenefit,
    BadgeChange,
    BadgeClaim,
    BadgeImage,
    BadgeOwner,
    Customer,
    Enrolment,
    FixedWindowConfig,
    FixedWindowStatus,
    Issuance,
    IssueExpiryType,
    IssueRequest,
    IssueType,
    LimitScope,
    Membership,
    Module,
    Organization,
    Role,
    RollingLimit,
)
from badges.services.issued_counts import issued_counts_changed
from customfields.models import BadgeFieldValue, CustomField, DataType
from groups.models import BadgeGroup


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("secret-pass")


class TokenFactory(DjangoModelFactory):
    class Meta:
        model = Token

    user = factory.SubFactory(UserFactory)


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Brand {n}")
    slug = factory.Sequence(lambda n: f"brand-{n}")
    timezone = "UTC"


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    org = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.EDITOR


class BadgeFactory(DjangoModelFactory):
    """A live ISSUE badge owned by LOYALTY unless told otherwise."""

    class Meta:
        model = Badge
        skip_postgeneration_save = True

    org = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Badge {n}")
    start_on = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    expires_on = factory.LazyAttribute(lambda o: o.start_on + timedelta(days=30))
    issue_type = IssueType.ISSUE
    issue_expiry_type = IssueExpiryType.NEVER
    created_on = factory.LazyAttribute(lambda o: o.start_on - timedelta(days=1))
    updated_on = factory.SelfAttribute("created_on")
    owners = factory.RelatedFactory(
        "tests.factories.BadgeOwnerFactory", factory_related_name="badge"
    )

    class Params:
        upcoming = factory.Trait(
            start_on=factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
        )
        ended = factory.Trait(
            start_on=factory.LazyFunction(lambda: timezone.now() - timedelta(days=40))
        )
        # Issuances that last a day, so that limits bite before overlaps.
        issued_for_a_day = factory.Trait(
            issue_expiry_type=IssueExpiryType.RELATIVE,
            issue_expiry_value=1,
            issue_expiry_unit="DAYS",
        )
        enrol_issue = factory.Trait(
            issue_type=IssueType.ENROL_ISSUE,
            enrolment_expiry_type="RELATIVE",
            enrolment_expiry_value=2,
            enrolment_expiry_unit="DAYS",
        )


class BadgeOwnerFactory(DjangoModelFactory):
    class Meta:
        model = BadgeOwner
        django_get_or_create = ["badge", "module"]

    badge = factory.SubFactory(BadgeFactory, owners=None)
    module = Module.LOYALTY
    added_on = factory.LazyFunction(timezone.now)


class DefinitionPartFactory(DjangoModelFactory):
    """A part of a badge's definition written around the services: like them, it bumps the
    badge's revision (in memory too), so the issue path reads the definition again."""

    class Meta:
        abstract = True
        skip_postgeneration_save = True

    @factory.post_generation
    def revised(self, create, extracted, **kwargs):
        if create:
            self.badge.revision += 1
            Badge.objects.filter(pk=self.badge_id).update(revision=F("revision") + 1)


class BadgeClaimFactory(DefinitionPartFactory):
    class Meta:
        model = BadgeClaim

    badge = factory.SubFactory(BadgeFactory)
    module = Module.LOYALTY
    reference = factory.Sequence(lambda n: f"Program {n}")
    detail = "TransactionAdd"
    claimed_on = factory.LazyFunction(timezone.now)


class BadgeBenefitFactory(DefinitionPartFactory):
    class Meta:
        model = BadgeBenefit

    badge = factory.SubFactory(BadgeFactory)
    position = factory.Sequence(lambda n: n % 10)
    type = "POINTS"
    reference_id = factory.Sequence(lambda n: f"P-{n}")
    name = "100 points"


class RollingLimitFactory(DefinitionPartFactory):
    class Meta:
        model = RollingLimit

    badge = factory.SubFactory(BadgeFactory)
    scope = LimitScope.CUSTOMER
    limit = 1
    value = 1
    unit = "DAYS"


class FixedWindowConfigFactory(DefinitionPartFactory):
    class Meta:
        model = FixedWindowConfig

    badge = factory.SubFactory(BadgeFactory)
    scope = LimitScope.CUSTOMER
    max_earn_limit = 2
    duration_type = "DAYS"
    refresh_rate = 3
    starts_on = factory.SelfAttribute("badge.start_on")
    created_on = factory.SelfAttribute("badge.created_on")
    status = FixedWindowStatus.ACTIVE


class BadgeChangeFactory(DjangoModelFactory):
    class Meta:
        model = BadgeChange

    badge = factory.SubFactory(BadgeFactory)
    action = BadgeChange.Action.UPDATED
    changes = factory.LazyFunction(lambda: {"name": ["Old", "New"]})
    changed_on = factory.LazyFunction(timezone.now)


class CustomerFactory(DjangoModelFactory):
    class Meta:
        model = Customer
        django_get_or_create = ["org", "customer_id"]

    org = factory.SubFactory(OrganizationFactory)
    customer_id = factory.Sequence(lambda n: f"c-{n}")
    created_on = factory.LazyFunction(timezone.now)


class EnrolmentFactory(DjangoModelFactory):
    class Meta:
        model = Enrolment

    badge = factory.SubFactory(BadgeFactory, enrol_issue=True)
    org = factory.SelfAttribute("badge.org")
    customer = factory.SubFactory(CustomerFactory, org=factory.SelfAttribute("..org"))
    enrol_event_date = factory.LazyFunction(timezone.now)
    enrolled_on = factory.SelfAttribute("enrol_event_date")
    expires_on = factory.LazyAttribute(lambda o: o.enrol_event_date + timedelta(days=2))


class IssuanceFactory(DjangoModelFactory):
    class Meta:
        model = Issuance
        skip_postgeneration_save = True

    badge = factory.SubFactory(BadgeFactory)
    org = factory.SelfAttribute("badge.org")
    customer = factory.SubFactory(CustomerFactory, org=factory.SelfAttribute("..org"))
    issued_on = factory.LazyFunction(timezone.now)
    event_date = factory.SelfAttribute("issued_on")
    source = "API"

    @factory.post_generation
    def counted(self, create, extracted, **kwargs):
        """Written around the services, like an import: the badge's issued count follows."""
        if create and self.revoked_on is None:
            issued_counts_changed([(self.badge_id, 1)])


class IssueRequestFactory(DjangoModelFactory):
    class Meta:
        model = IssueRequest

    issuance = factory.SubFactory(IssuanceFactory)
    org = factory.SelfAttribute("issuance.org")
    badge = factory.SelfAttribute("issuance.badge")
    customer = factory.SelfAttribute("issuance.customer")
    request_id = factory.Sequence(lambda n: f"req-{n}")
    fingerprint = "0" * 64
    created_on = factory.LazyFunction(timezone.now)


class BadgeGroupFactory(DjangoModelFactory):
    class Meta:
        model = BadgeGroup

    org = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Group {n}")
    rank = 1
    created_on = factory.LazyFunction(timezone.now)
    updated_on = factory.SelfAttribute("created_on")


class CustomFieldFactory(DjangoModelFactory):
    """An optional STRING field unless told otherwise (values are stored as text)."""

    class Meta:
        model = CustomField

    org = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Field {n}")
    data_type = DataType.STRING
    created_on = factory.LazyFunction(timezone.now)
    updated_on = factory.SelfAttribute("created_on")


class BadgeFieldValueFactory(DjangoModelFactory):
    class Meta:
        model = BadgeFieldValue

    badge = factory.SubFactory(BadgeFactory)
    field = factory.SubFactory(CustomFieldFactory, org=factory.SelfAttribute("..badge.org"))
    value = "text"


def png_bytes(side: int = 16, height: int | None = None) -> bytes:
    """An ordinary PNG, ``side`` pixels square unless ``height`` says otherwise."""
    held = io.BytesIO()
    Image.new("RGBA", (side, height or side), (200, 30, 60, 255)).save(held, "PNG")
    return held.getvalue()


class BadgeImageFactory(DjangoModelFactory):
    """A stored 16-pixel PNG in the unissued slot (written directly, as every factory)."""

    class Meta:
        model = BadgeImage

    badge = factory.SubFactory(BadgeFactory)
    slot = "unissued"
    name = factory.Sequence(lambda n: f"Image {n}")
    file = factory.django.FileField(filename="image.png", data=factory.LazyFunction(png_bytes))
    content_type = "image/png"
    width = 16.0
    height = 16.0
    size = factory.LazyAttribute(lambda image: image.file.size)
    sha256 = "0" * 64
    uploaded_on = factory.LazyFunction(timezone.now)
