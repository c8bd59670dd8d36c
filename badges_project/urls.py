from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from badges_project.media import media_urls

SWAGGER_UI_STYLE = "'sha256-MMpT0iDxyjALd9PdfepImGX3DBfJPXZ4IlDWdPAgtn0='"

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("admin/", admin.site.urls),
    path("", include("badges_project.ui.urls")),
    path("badges/ui/", include("badges.ui.urls")),
    path("customers/ui/", include("badges.ui.customer_urls")),
    path("groups/ui/", include("groups.ui.urls")),
    path("custom-fields/ui/", include("customfields.ui.urls")),
    path("rules/ui/", include("badges.events.ui.rule_urls")),
    path("events/ui/", include("badges.events.ui.event_urls")),
    path("imports/ui/", include("badges.imports.ui.urls")),
    path("org/settings/", include("badges.ui.settings_urls")),
    path("api/v1/", include("badges_project.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file of its own: no inline script
    # under the content security policy. Swagger UI then adds one <style> element of its own,
    # allowed by its hash on this page alone (a browser test fails if an upgrade changes it).
    path(
        "api/docs/",
        csp_update({"style-src": [SWAGGER_UI_STYLE]})(
            SpectacularSwaggerSplitView.as_view(url_name="schema")
        ),
        name="api-docs",
    ),
    path("api-auth/", include("rest_framework.urls")),
    *media_urls(),
]

handler404 = "badges_project.api.errors.not_found"
handler500 = "badges_project.api.errors.server_error"
