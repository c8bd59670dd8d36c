from django.urls import path

from . import rules

app_name = "rules-ui"

urlpatterns = [
    path("", rules.RuleListView.as_view(), name="list"),
    path("new/", rules.RuleCreateView.as_view(), name="create"),
    path("new/badges/", rules.RuleBadgeChoicesView.as_view(), name="badge-choices"),
    path("<uuid:pk>/edit/", rules.RuleEditView.as_view(), name="edit"),
    path("<uuid:pk>/disable/", rules.RuleConfirmView.as_view(action="disable"), name="disable"),
    path("<uuid:pk>/enable/", rules.RuleConfirmView.as_view(action="enable"), name="enable"),
    path("<uuid:pk>/delete/", rules.RuleConfirmView.as_view(action="delete"), name="delete"),
]
