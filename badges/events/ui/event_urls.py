from django.urls import path

from . import events

app_name = "events-ui"

urlpatterns = [
    path("", events.EventListView.as_view(), name="list"),
    path("<uuid:pk>/", events.EventView.as_view(), name="event"),
]
