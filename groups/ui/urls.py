from django.urls import path

from . import views

app_name = "groups-ui"

urlpatterns = [
    path("", views.GroupListView.as_view(), name="list"),
    path("new/", views.GroupCreateView.as_view(), name="create"),
    path("<uuid:pk>/edit/", views.GroupEditView.as_view(), name="edit"),
    path("<uuid:pk>/disable/", views.GroupDisableView.as_view(), name="disable"),
    path("<uuid:pk>/enable/", views.GroupEnableView.as_view(), name="enable"),
    path("<uuid:pk>/delete/", views.GroupDeleteView.as_view(), name="delete"),
]
