"""SPEC 12 under concurrency, proven on PostgreSQL with real threads: 8 threads post 2,000
events, a fifth of them repeats of an ``event_id`` racing the first post from another thread,
and process them as the task would, two processors racing on most events. One event per id,
one outcome per (event, rule), at most one issuance per (event, rule), every event processed;
the target's crossing is the one event-date order gives; a replay of the stream writes nothing.
"""

import random
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.db import OperationalError
from django.db.models import Count

from badges.events.choices import EventStatus, OutcomeKind, OutcomeResult
from badges.events.models import Event, EventOutcome, TargetContribution, TargetProgress
from badges.events.services import intake
from badges.events.services.intake import EventBody, event_submit
from badges.events.services.processing import event_process
from badges.exceptions import Busy
from badges.models import Issuance, IssueRequest, Notification
from badges.services.issued_counts import issued_count_recount
from tests.concurrency import run_concurrently
from tests.events.factories import rule_for
from tests.factories import BadgeFactory, OrganizationFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("outbox_checked"),
]

NOW = datetime(2026, 9, 10, 12, tzinfo=UTC)
THREADS = 8
ROUNDS = 250  # 8 posts a round: 2,000 posts
CUSTOMERS = [f"c-{n}" for n in range(6)]
VISITS = 5  # the target rule's count
BADGE_WIDE_LIMIT = 4
# A processor that waited out the lock timeout retries, as the task does (with less backoff).
ATTEMPTS = 6


def stream(seed: int = 15) -> list[list[EventBody]]:
    """Per round, the 8 bodies the threads post in it: 6 or 7 new events and 1 or 2 repeats
    (400 of 2,000), each repeat on another thread than its first post, in the same round (the
    two posts race) or, every fifth round, the round before (the repeat races the processing).
    Event dates run an hour a round, each up to 3 hours early, so arrival order is not date
    order."""
    rng = random.Random(seed)
    rounds: list[list[EventBody]] = []
    for k in range(ROUNDS):
        repeats = 2 if k % 5 < 3 else 1
        new = [
            EventBody(
                event_id=f"pos-{k}-{j}",
                event_type="TransactionAdd",
                customer_id=rng.choice(CUSTOMERS),
                event_date=NOW + timedelta(hours=k, minutes=-rng.randrange(180)),
                reference=f"BILL-{k}-{j}",
                payload={
                    "amount": rng.choice([120, 480, 500, 650, 900]),
                    "channel": rng.choice(["app", "store", "store"]),
                },
            )
            for j in range(THREADS - repeats)
        ]
        late = 1 if k % 5 == 0 and rounds else 0
        repeated = rng.sample(new, repeats - late) + (rng.sample(rounds[-1], late) if late else [])
        bodies = new + repeated
        rng.shuffle(bodies)
        rounds.append(bodies)
    return rounds


def round_now(k: int) -> datetime:
    return NOW + timedelta(hours=k, minutes=1)


def processed_as_the_task_would(event_pk, now: datetime) -> None:
    """``event_process``, retried on a lock timeout as ``process_event`` retries it."""
    for attempt in range(ATTEMPTS):
        try:
            event_process(event_pk=event_pk, now=now)
            return
        except (Busy, OperationalError):
            if attempt == ATTEMPTS - 1:
                raise
            time.sleep(0.05 * 2**attempt)


class Run:
    """The threads' shared state: who posted what in each round, and what went wrong."""

    def __init__(self, org, rounds: list[list[EventBody]], now_of=round_now):
        self.org, self.rounds, self.now_of = org, rounds, now_of
        self.barrier = threading.Barrier(THREADS, timeout=60)
        self.posted = [[None] * THREADS for _ in rounds]
        self.created: list = []
        self.errors: list[str] = []
        self.lock = threading.Lock()

    def failed(self, what: str, error: Exception) -> None:
        with self.lock:
            self.errors.append(f"{what}: {type(error).__name__}: {error}")

    def thread(self, t: int) -> None:
        """Round by round: post this thread's body, wait for the others' posts, then process
        its own event and its neighbour's (whose thread processes it too), in an order of its
        own."""
        rng = random.Random(t)
        for k, bodies in enumerate(self.rounds):
            now = self.now_of(k)
            try:
                event, created = event_submit(org=self.org, body=bodies[t], now=now)
                assert event.event_id == bodies[t].event_id
                self.posted[k][t] = event.pk
                if created:
                    with self.lock:
                        self.created.append(event.pk)
            except Exception as error:
                self.failed(f"post {bodies[t].event_id}", error)
            self.barrier.wait()
            mine = [self.posted[k][t], self.posted[k][(t + 1) % THREADS]]
            rng.shuffle(mine)
            for pk in mine:
                if pk is None:
                    continue
                try:
                    processed_as_the_task_would(pk, now)
                except Exception as error:
                    self.failed(f"process {pk}", error)

    def run(self) -> None:
        results = run_concurrently(self.thread, THREADS)
        assert not [r for r in results if isinstance(r, Exception)]


def counts() -> dict[str, int]:
    models = (
        Event,
        EventOutcome,
        Issuance,
        IssueRequest,
        Notification,
        TargetContribution,
        TargetProgress,
    )
    return {model.__name__: model.objects.count() for model in models} | {
        "revoked": Issuance.objects.filter(revoked_on__isnull=False).count()
    }


@pytest.fixture
def queued(monkeypatch):
    """The events whose processing a post queued (on commit): the test processes them itself,
    as the task would, from whichever threads it chooses."""
    found: list = []
    lock = threading.Lock()

    def record(event_pk) -> None:
        with lock:
            found.append(event_pk)

    monkeypatch.setattr(intake, "event_queued", record)
    return found


def test_8_threads_posting_2000_events_with_repeats_give_one_event_and_one_outcome_per_rule(
    queued,
):
    org = OrganizationFactory()
    badges = {
        "big": BadgeFactory(org=org, issued_for_a_day=True),
        "visits": BadgeFactory(org=org),
        "app": BadgeFactory(org=org, issued_for_a_day=True, badge_overall_limit=BADGE_WIDE_LIMIT),
    }
    for badge in badges.values():
        badge.start_on, badge.expires_on = NOW - timedelta(days=5), NOW + timedelta(days=30)
        badge.save(update_fields=["start_on", "expires_on"])
    rules = {
        "big": rule_for(
            badges["big"],
            name="Big spender",
            condition={"field": "amount", "op": "gte", "value": 500},
            now=NOW,
        ),
        "visits": rule_for(
            badges["visits"], name="Five visits", target={"kind": "COUNT", "value": VISITS}, now=NOW
        ),
        "app": rule_for(
            badges["app"],
            name="App order",
            condition={"field": "channel", "op": "eq", "value": "app"},
            now=NOW,
        ),
    }
    rounds = stream()
    bodies = {b.event_id: b for bodies in rounds for b in bodies}
    assert sum(len(r) for r in rounds) == 2000 and len(bodies) == 1600

    run = Run(org, rounds)
    run.run()
    assert run.errors == []

    # One event per event_id, stored as first posted, each queued once.
    events = {e.event_id: e for e in Event.objects.filter(org=org)}
    assert set(events) == set(bodies)
    assert Event.objects.count() == len(bodies)
    assert all(events[i].fingerprint == body.fingerprint for i, body in bodies.items())
    for k, posted in enumerate(run.posted):  # every post, first or repeat, answered that event
        assert posted == [events[b.event_id].pk for b in rounds[k]]
    assert sorted(map(str, run.created)) == sorted(str(e.pk) for e in events.values())
    assert sorted(map(str, queued)) == sorted(map(str, run.created))
    # Every event processed, once: one outcome per candidate rule.
    assert Counter(e.status for e in events.values()) == {EventStatus.PROCESSED: len(bodies)}
    assert not [e.error for e in events.values() if e.error]
    per_rule = EventOutcome.objects.values("event", "rule").annotate(n=Count("id")).filter(n__gt=1)
    assert list(per_rule) == []
    assert EventOutcome.objects.filter(kind=OutcomeKind.RULE).count() == len(bodies) * len(rules)
    assert EventOutcome.objects.exclude(kind=OutcomeKind.RULE).count() == 0
    results = Counter(EventOutcome.objects.values_list("rule_name", "result"))
    assert not [r for r in results if r[1] == OutcomeResult.ERROR], results
    for name in ("Big spender", "App order"):  # the limits bit: the run was no formality
        assert results[name, OutcomeResult.ISSUED] and results[name, OutcomeResult.REFUSED]

    # At most one issuance per (event, rule): each ISSUED outcome names its own issuance, and
    # a rule's issue carries the request id of its (event, rule).
    issued = EventOutcome.objects.filter(result=OutcomeResult.ISSUED).select_related(
        "issuance", "event", "rule"
    )
    assert len({o.issuance_id for o in issued}) == len(issued)
    for outcome in issued:
        if outcome.rule.target_kind:
            assert outcome.issuance.request_id.startswith(f"target:{outcome.rule.pk}:")
        else:
            assert outcome.issuance.request_id == f"event:{outcome.event.pk}:rule:{outcome.rule.pk}"
    by_request = Issuance.objects.values("request_id").annotate(n=Count("id")).filter(n__gt=1)
    assert list(by_request) == []
    for name in ("big", "app"):
        assert (
            Issuance.objects.filter(badge=badges[name]).count()
            == issued.filter(rule=rules[name]).count()
        )
    assert Issuance.objects.filter(badge=badges["app"]).count() <= BADGE_WIDE_LIMIT
    assert issued_count_recount(badges["app"]) == 0

    # The target: per customer, one held issuance, earned by the fifth event in date order.
    for customer_id in CUSTOMERS:
        mine = sorted(
            (e for e in events.values() if e.customer_id == customer_id),
            key=lambda e: (e.event_date, e.event_id),
        )
        crossing = mine[VISITS - 1]
        [progress] = TargetProgress.objects.filter(
            rule=rules["visits"], customer__customer_id=customer_id
        )
        assert (progress.crossing_event_id, progress.count) == (crossing.pk, len(mine))
        [held] = Issuance.objects.filter(
            badge=badges["visits"], customer__customer_id=customer_id, revoked_on__isnull=True
        )
        assert (held.issual_id, held.event_date) == (progress.issuance_id, crossing.event_date)
        assert held.triggered_by_reference == crossing.reference

    # The whole stream again, later: nothing new.
    before = counts()
    queued.clear()
    replay = Run(org, rounds, now_of=lambda k: round_now(ROUNDS + k))
    replay.run()
    assert replay.errors == []
    assert (replay.created, queued) == ([], [])
    assert counts() == before
