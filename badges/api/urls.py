from django.urls import include, path
from rest_framework.routers import DefaultRouter

from .views import BadgeViewSet, OrgView

router = DefaultRouter()
router.register("badges", BadgeViewSet, basename="badge")

app_name = "api"
urlpatterns = [
    path("org/", OrgView.as_view(), name="org"),
    path("", include(router.urls)),
]
