"""The event pages (SPEC 12): the org's events newest first under the ``events/`` list's
filters, and one event with what each candidate rule did with it."""

import json
from collections import Counter
from dataclasses import dataclass

from django.http import Http404
from django.views.generic import TemplateView

from badges.events import selectors
from badges.events.choices import EventStatus, EventType, OutcomeKind
from badges.events.filters import EventFilter
from badges.events.models import Event, EventOutcome
from badges.ui.customers import page_of
from badges.ui.display import amount_words
from badges_project.ui.access import OrgPageMixin
from badges_project.ui.pages import filters_sent

from .words import (
    ACTION_WORDS,
    KIND_WORDS,
    RESULT_WORDS,
    condition_words,
    event_type_words,
    seen_words,
)

PAGE_SIZE = 50  # as the API list's default page


@dataclass
class EventRow:
    """An event as the list shows it, with its outcomes counted by result."""

    event: Event
    type: str
    results: list[tuple[str, str, int]]


def event_row(event: Event) -> EventRow:
    counted = Counter(outcome.result for outcome in event.outcome_results)
    return EventRow(
        event,
        event_type_words(event.event_type, event.event_name),
        [(result, RESULT_WORDS[result], count) for result, count in sorted(counted.items())],
    )


class EventListView(OrgPageMixin, TemplateView):
    """The org's events, newest first, 50 to a page, under the API list's filters (customer,
    type, status: the same filter class and selector)."""

    template_name = "badges/ui/events/events.html"

    def get(self, request, *args, **kwargs):
        query = filters_sent(request.GET)
        every_event = selectors.event_list(org=request.org)
        filters = EventFilter(query, queryset=every_event, request=request)
        chosen_types, chosen_statuses = query.getlist("event_type"), query.getlist("status")
        context = self.get_context_data(
            customer=query.get("customer", ""),
            event_types=[(t, t, t in chosen_types) for t in EventType.values],
            statuses=[(s, s.title(), s in chosen_statuses) for s in EventStatus.values],
            filtered=any(key in query for key in filters.base_filters),
        )
        if not filters.is_valid():
            context.update(rows=[], page=None, errors=filters.errors)
            return self.render_to_response(context, status=400)
        page = page_of(request, filters.qs, PAGE_SIZE, "page")
        events = selectors.outcome_results_loaded(list(page.object_list))
        context.update(page=page, rows=[event_row(event) for event in events])
        return self.render_to_response(context)


@dataclass
class OutcomeRow:
    """One outcome as the event page shows it: the rule's snapshot and what it did, in words."""

    outcome: EventOutcome
    kind: str
    action: str
    condition: str
    seen: str
    result: str
    progress: str


def outcome_row(outcome: EventOutcome) -> OutcomeRow:
    progress = ""
    if outcome.progress_target is not None:
        progress = (
            f"{amount_words(outcome.progress_total)} of {amount_words(outcome.progress_target)}"
        )
    return OutcomeRow(
        outcome,
        KIND_WORDS.get(outcome.kind, ""),
        ACTION_WORDS.get(outcome.action, outcome.action),
        condition_words(outcome.condition) if outcome.kind == OutcomeKind.RULE else "",
        seen_words(outcome.seen),
        RESULT_WORDS.get(outcome.result, outcome.result),
        progress,
    )


class EventView(OrgPageMixin, TemplateView):
    """One event as posted and processed, and its outcomes in order, one per candidate rule
    (and per revocation on return or target period closed)."""

    template_name = "badges/ui/events/event.html"

    def get_context_data(self, **kwargs):
        try:
            event = selectors.event_get(org=self.request.org, pk=self.kwargs["pk"])
        except Event.DoesNotExist as error:
            raise Http404("No such event.") from error
        return super().get_context_data(
            event=event,
            type=event_type_words(event.event_type, event.event_name),
            payload=json.dumps(event.payload, indent=2, ensure_ascii=False),
            outcomes=[outcome_row(outcome) for outcome in event.outcome_rows],
            **kwargs,
        )
