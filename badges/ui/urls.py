from django.urls import path

from . import views

app_name = "badges-ui"

urlpatterns = [
    path("", views.UniverseView.as_view(), name="universe"),
    path("<uuid:pk>/", views.BadgeView.as_view(), name="badge"),
    path("<uuid:pk>/deactivate/", views.ActivationView.as_view(), name="deactivate"),
    path("<uuid:pk>/activate/", views.ActivationView.as_view(activate=True), name="activate"),
]
