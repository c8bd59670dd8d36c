from django.urls import include, path
from rest_framework.routers import DefaultRouter

from .issuance_views import (
    BadgeIssuanceViewSet,
    CustomerViewSet,
    EnrolmentViewSet,
    IssuanceViewSet,
)
from .views import OrgView

router = DefaultRouter()
router.register("badges", BadgeIssuanceViewSet, basename="badge")
router.register("issuances", IssuanceViewSet, basename="issuance")
router.register("enrolments", EnrolmentViewSet, basename="enrolment")
router.register("customers", CustomerViewSet, basename="customer")

app_name = "api"
urlpatterns = [
    path("org/", OrgView.as_view(), name="org"),
    path("", include(router.urls)),
]
