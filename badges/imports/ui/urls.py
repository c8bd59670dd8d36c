from django.urls import path

from . import runs

app_name = "imports-ui"

urlpatterns = [
    path("", runs.ImportListView.as_view(), name="list"),
    path("<uuid:pk>/", runs.RunView.as_view(), name="run"),
    path("<uuid:pk>/state/", runs.RunStateView.as_view(), name="state"),
    path("<uuid:pk>/report/", runs.RunReportView.as_view(), name="report"),
]
