from django.urls import path

from . import views

app_name = "customfields-ui"

urlpatterns = [
    path("", views.FieldListView.as_view(), name="list"),
    path("new/", views.FieldCreateView.as_view(), name="create"),
    path("<uuid:pk>/edit/", views.FieldEditView.as_view(), name="edit"),
    path("<uuid:pk>/disable/", views.FieldDisableView.as_view(), name="disable"),
]
