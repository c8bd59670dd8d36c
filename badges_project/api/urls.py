"""The one API router: every app's resources under ``/api/v1/``."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from badges.api.badges import BadgeViewSet
from badges.api.customers import CustomerViewSet
from badges.api.issuance import EnrolmentViewSet, IssuanceViewSet
from badges.api.notifications import NotificationViewSet
from badges.api.org import OrgView
from badges.events.api.events import CustomerProgressView, EventViewSet
from badges.events.api.rules import RuleViewSet
from badges.imports.api.views import BadgesImportView, EarnedBadgesImportView
from customfields.api.views import CustomFieldViewSet
from groups.api.views import GroupViewSet

router = DefaultRouter()
router.register("badges", BadgeViewSet, basename="badge")
router.register("issuances", IssuanceViewSet, basename="issuance")
router.register("enrolments", EnrolmentViewSet, basename="enrolment")
router.register("customers", CustomerViewSet, basename="customer")
router.register("groups", GroupViewSet, basename="group")
router.register("custom-fields", CustomFieldViewSet, basename="custom-field")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("rules", RuleViewSet, basename="rule")
router.register("events", EventViewSet, basename="event")

app_name = "api"
urlpatterns = [
    path("org/", OrgView.as_view(), name="org"),
    path(
        "customers/<str:customer_id>/progress/",
        CustomerProgressView.as_view(),
        name="customer-progress",
    ),
    path("imports/badges/", BadgesImportView.as_view(), name="import-badges"),
    path(
        "imports/customer-badges/", EarnedBadgesImportView.as_view(), name="import-customer-badges"
    ),
    path("", include(router.urls)),
]
