from django.urls import include, path
from rest_framework.routers import DefaultRouter

from .group_views import CustomFieldViewSet, GroupViewSet
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
router.register("groups", GroupViewSet, basename="group")
router.register("custom-fields", CustomFieldViewSet, basename="custom-field")

app_name = "api"
urlpatterns = [
    path("org/", OrgView.as_view(), name="org"),
    path("", include(router.urls)),
]
