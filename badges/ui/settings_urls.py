from django.urls import path

from . import org_settings

app_name = "settings-ui"

urlpatterns = [
    path("", org_settings.OrgSettingsView.as_view(), name="org"),
    path("secret/", org_settings.SecretSetView.as_view(), name="secret-set"),
    path("secret/generate/", org_settings.SecretGenerateView.as_view(), name="secret-generate"),
    path("secret/remove/", org_settings.SecretRemoveView.as_view(), name="secret-remove"),
]
