from django.urls import path

from . import views

app_name = "imports-ui"

urlpatterns = [
    path("", views.ImportListView.as_view(), name="list"),
    path("<uuid:pk>/", views.ImportRunView.as_view(), name="run"),
    path("<uuid:pk>/report/", views.ImportReportView.as_view(), name="report"),
]
