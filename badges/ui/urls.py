from django.urls import path

from . import definitions, images, views

app_name = "badges-ui"

urlpatterns = [
    path("", views.UniverseView.as_view(), name="universe"),
    path("new/", definitions.BadgeCreateView.as_view(), name="create"),
    path("<uuid:pk>/", views.BadgeView.as_view(), name="badge"),
    path("<uuid:pk>/edit/", definitions.BadgeEditView.as_view(), name="edit"),
    path("<uuid:pk>/owners/", views.OwnerAddView.as_view(), name="owner-add"),
    path("<uuid:pk>/claims/", views.ClaimAddView.as_view(), name="claim-add"),
    path("<uuid:pk>/images/", images.BadgeImagesView.as_view(), name="images"),
    path(
        "<uuid:pk>/images/<slug:slot>/",
        images.BadgeImageSetView.as_view(),
        name="image-set",
    ),
    path(
        "<uuid:pk>/images/<slug:slot>/remove/",
        images.BadgeImageRemoveView.as_view(),
        name="image-remove",
    ),
    path("<uuid:pk>/deactivate/", views.ActivationView.as_view(), name="deactivate"),
    path("<uuid:pk>/activate/", views.ActivationView.as_view(activate=True), name="activate"),
]
