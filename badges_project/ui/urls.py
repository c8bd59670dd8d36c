from django.contrib.auth import views as auth_views
from django.urls import path

from .views import LoginView, OrgSwitchView

urlpatterns = [
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("org/", OrgSwitchView.as_view(), name="org-switch"),
]
