"""``events/`` (SPEC 12, 17): an event is stored once per event_id and answers 202, a repeat 200
with the first event, another body under the same id EVENT_ID_REUSED; a dry run answers what it
would do and writes nothing; an event reads with each rule's outcome; the list is newest first
and filters."""

from datetime import timedelta

import pytest
from django.utils import timezone

from badges.events.models import Event, EventOutcome, TargetContribution, TargetProgress
from badges.events.services.processing import event_process
from badges.models import BadgeClaim, Customer, Issuance, Notification
from tests.events.factories import body, processed, rule_for
from tests.factories import BadgeFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/events/"
EVENT_FIELDS = {
    "id",
    "event_id",
    "event_type",
    "event_name",
    "customer_id",
    "event_date",
    "reference",
    "payload",
    "status",
    "received_on",
    "processed_on",
    "error",
}
OUTCOME_FIELDS = {
    "position",
    "kind",
    "rule",
    "rule_name",
    "action",
    "badge",
    "condition",
    "target",
    "matched",
    "seen",
    "result",
    "code",
    "message",
    "issuance",
    "issual_id",
    "next_eligible_at",
    "details",
    "progress",
}


@pytest.fixture
def badge(org_a):
    return BadgeFactory(org=org_a, name="Big spender")


@pytest.fixture
def big_bills(badge):
    return rule_for(
        badge, name="Big bills", condition={"field": "amount", "op": "gte", "value": 500}
    )


def bill(event_id: str = "pos-7781", **changes) -> dict:
    return {
        "event_id": event_id,
        "event_type": "TransactionAdd",
        "customer_id": "c-42",
        "event_date": timezone.now().isoformat(),
        "reference": "BILL-7781",
        "payload": {"amount": 600},
        **changes,
    }


def codes(response) -> set[tuple[str, str]]:
    assert response.status_code == 400, response.content
    return {(e["field"], e["code"]) for e in response.json()["errors"]}


def rows() -> dict[str, int]:
    """Every table an event's processing may write."""
    models = (
        Event,
        EventOutcome,
        TargetContribution,
        TargetProgress,
        Issuance,
        Customer,
        Notification,
        BadgeClaim,
    )
    return {model.__name__: model.objects.count() for model in models}


def test_a_new_event_answers_202_pending_until_processed(editor_a, big_bills):
    response = editor_a.post(URL, bill(), format="json")
    assert response.status_code == 202, response.json()
    posted = response.json()
    assert set(posted) == EVENT_FIELDS | {"outcomes", "dry_run"}
    assert (posted["status"], posted["outcomes"], posted["dry_run"]) == ("PENDING", [], False)
    assert posted["event_id"] == "pos-7781"
    assert posted["payload"] == {"amount": 600}
    assert posted["received_on"].endswith("+05:30")
    assert str(Event.objects.get().pk) == posted["id"]


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_answer_shows_the_event_processed(editor_a, big_bills):
    """The task runs eagerly when the post commits, before the answer is written."""
    response = editor_a.post(URL, bill(), format="json")
    assert response.status_code == 202, response.json()
    posted = response.json()
    assert posted["status"] == "PROCESSED"
    [outcome] = posted["outcomes"]
    assert set(outcome) == OUTCOME_FIELDS
    issuance = Issuance.objects.get()
    assert (outcome["result"], outcome["issual_id"]) == ("ISSUED", str(issuance.issual_id))
    assert outcome["issuance"]["issual_id"] == str(issuance.issual_id)
    assert outcome["issuance"]["source"] == "EVENT"
    assert outcome["issuance"]["triggered_by"] == {"module": "LOYALTY", "reference": "BILL-7781"}
    assert outcome["issuance"]["customer_id"] == "c-42"


def test_a_repeat_answers_200_with_the_first_event_and_another_body_is_refused(editor_a, big_bills):
    first = editor_a.post(URL, bill(), format="json").json()
    event_process(event_pk=first["id"], now=timezone.now())
    before = rows()
    again = editor_a.post(URL, bill(event_date=first["event_date"]), format="json")
    assert again.status_code == 200, again.json()
    assert again.json()["id"] == first["id"]
    assert again.json()["status"] == "PROCESSED"
    assert again.json()["outcomes"][0]["result"] == "ISSUED"
    assert rows() == before
    changed = bill(event_date=first["event_date"], payload={"amount": 700})
    assert codes(editor_a.post(URL, changed, format="json")) == {("event_id", "EVENT_ID_REUSED")}
    assert rows() == before


def test_a_dry_run_answers_what_would_happen_and_writes_nothing(editor_a, big_bills, badge):
    before = rows()
    response = editor_a.post(URL, bill(dry_run=True), format="json")
    assert response.status_code == 200, response.json()
    answer = response.json()
    assert set(answer) == EVENT_FIELDS | {"outcomes", "dry_run"}
    assert (answer["dry_run"], answer["id"]) == (True, None)
    [outcome] = answer["outcomes"]
    assert (outcome["result"], outcome["issuance"], outcome["issual_id"]) == (
        "WOULD_ISSUE",
        None,
        None,
    )
    assert (outcome["rule"], outcome["badge"]) == (str(big_bills.pk), str(badge.pk))
    assert outcome["seen"] == {"field": "amount", "present": True, "value": 600}
    assert rows() == before


def test_a_dry_run_of_a_posted_event_answers_the_stored_event(editor_a, big_bills):
    event = processed(big_bills.org, body("pos-1", reference="B-1", payload={"amount": 600}))
    repeat = {
        **bill("pos-1", reference="B-1"),
        "event_date": event.event_date.isoformat(),
        "dry_run": True,
    }
    answer = editor_a.post(URL, repeat, format="json").json()
    assert (answer["dry_run"], answer["id"]) == (True, str(event.pk))
    assert answer["outcomes"][0]["result"] == "ISSUED"


def test_a_dry_run_says_what_a_rule_would_refuse(editor_a, big_bills, badge):
    processed(badge.org, body("pos-1", payload={"amount": 600}))
    answer = editor_a.post(URL, bill("pos-2", dry_run=True), format="json").json()
    [outcome] = answer["outcomes"]
    assert (outcome["result"], outcome["code"]) == ("REFUSED", "OVERLAPPING_ISSUANCE")
    assert outcome["message"]


def test_an_event_reads_with_each_rules_outcome(viewer_a, org_a, badge, big_bills):
    visits = rule_for(
        BadgeFactory(org=org_a, name="Regular"), name="Visits", target={"kind": "COUNT", "value": 3}
    )
    event = processed(org_a, body("pos-1", reference="B-1", payload={"amount": 100}))
    read = viewer_a.get(f"{URL}{event.pk}/").json()
    assert set(read) == EVENT_FIELDS | {"outcomes"}
    skipped, counted = read["outcomes"]
    assert [o["position"] for o in read["outcomes"]] == [0, 1]
    assert skipped == {
        "position": 0,
        "kind": "RULE",
        "rule": str(big_bills.pk),
        "rule_name": "Big bills",
        "action": "ISSUE_BADGE",
        "badge": str(badge.pk),
        "condition": {"field": "amount", "op": "gte", "value": 500},
        "target": None,
        "matched": False,
        "seen": {"field": "amount", "present": True, "value": 100},
        "result": "SKIPPED",
        "code": "CONDITION_NOT_MET",
        "message": skipped["message"],
        "issuance": None,
        "issual_id": None,
        "next_eligible_at": None,
        "details": {},
        "progress": None,
    }
    assert (counted["rule"], counted["result"]) == (str(visits.pk), "PROGRESS")
    assert counted["target"] == {"kind": "COUNT", "field": None, "value": 3}
    assert counted["progress"] == {"total": 1, "target": 3}
    assert counted["code"] is None


def test_a_revocation_on_return_reads_without_a_rule(editor_a, org_a, badge, big_bills):
    org_a.revoke_on_return = True
    org_a.save()
    processed(org_a, body("pos-1", reference="B-1", payload={"amount": 600}))
    returned = processed(
        org_a,
        body(
            "ret-1",
            event_type="ReturnBill",
            payload={"return_type": "FULL", "original_reference": "B-1"},
        ),
    )
    [outcome] = editor_a.get(f"{URL}{returned.pk}/").json()["outcomes"]
    assert (outcome["kind"], outcome["rule"], outcome["rule_name"], outcome["action"]) == (
        "RETURN",
        None,
        None,
        None,
    )
    assert outcome["result"] == "REVOKED"
    assert outcome["issuance"]["status"] == "REVOKED"


def test_customer_ids_may_be_numbers_and_a_date_alone_is_midnight_in_the_org(editor_a, org_a):
    today = timezone.now().astimezone(org_a.tzinfo).date().isoformat()
    posted = editor_a.post(URL, bill(customer_id=42, event_date=today), format="json").json()
    assert posted["customer_id"] == "42"
    assert posted["event_date"] == f"{today}T00:00:00+05:30"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"event_id": " "}, {("event_id", "EVENT_ID_INVALID")}),
        ({"event_type": "Behavioral"}, {("event_name", "EVENT_NAME_REQUIRED")}),
        ({"event_name": "app_open"}, {("event_name", "EVENT_NAME_NOT_ALLOWED")}),
        ({"customer_id": " "}, {("customer_id", "CUSTOMER_ID_INVALID")}),
        (
            {"event_date": (timezone.now() + timedelta(days=2)).isoformat()},
            {("event_date", "EVENT_DATE_IN_FUTURE")},
        ),
        ({"reference": "x" * 201}, {("reference", "REFERENCE_INVALID")}),
        (
            {"event_type": "ReturnBill", "payload": {"return_type": "SOME"}},
            {("payload.return_type", "RETURN_TYPE_INVALID")},
        ),
        (
            {"event_type": "ReturnBill", "payload": {"return_type": "FULL"}},
            {("payload.original_reference", "ORIGINAL_REFERENCE_REQUIRED")},
        ),
        ({"event_type": "ReturnTargetCompleted"}, {("payload.rule", "TARGET_RULE_REQUIRED")}),
        ({"payload": [1]}, {("payload", "INVALID")}),
        ({"payload": {"amount": 10**30}}, {("payload", "PAYLOAD_INVALID")}),
        ({"payload": {"note": "a\x00b"}}, {("payload", "PAYLOAD_INVALID")}),
        ({"event_type": "Purchase"}, {("event_type", "INVALID_CHOICE")}),
        ({"dry_run": "yes"}, {("dry_run", "INVALID")}),
        ({"customer_id": 1.5}, {("customer_id", "INVALID")}),
    ],
)
def test_a_refused_event_answers_400_with_the_services_codes(editor_a, changes, expected):
    assert codes(editor_a.post(URL, bill(**changes), format="json")) == expected
    assert not Event.objects.exists()


def test_viewers_read_events_but_do_not_post_them(viewer_a, editor_a, big_bills):
    for dry_run in (False, True):
        response = viewer_a.post(URL, bill(dry_run=dry_run), format="json")
        assert (response.status_code, response.json()["code"]) == (403, "PERMISSION_DENIED")
    posted = editor_a.post(URL, bill(), format="json").json()
    assert viewer_a.get(URL).json()["count"] == 1
    assert viewer_a.get(f"{URL}{posted['id']}/").status_code == 200


@pytest.fixture
def history(org_a, big_bills):
    now = timezone.now()
    for index, (event_id, customer_id, event_type) in enumerate(
        [
            ("e-1", "c-1", "TransactionAdd"),
            ("e-2", "c-2", "TransactionAdd"),
            ("e-3", "c-1", "CustomerUpdate"),
        ]
    ):
        processed(
            org_a,
            body(event_id, customer_id=customer_id, event_type=event_type),
            now=now + timedelta(seconds=index),
        )
    Event.objects.filter(event_id="e-2").update(status="FAILED")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["e-3", "e-2", "e-1"]),
        ("?customer=c-1", ["e-3", "e-1"]),
        ("?event_type=CustomerUpdate", ["e-3"]),
        ("?status=FAILED", ["e-2"]),
        ("?status=PROCESSED&event_type=TransactionAdd", ["e-1"]),
        ("?customer=nobody", []),
    ],
)
def test_the_list_is_newest_first_and_filters(viewer_a, history, query, expected):
    response = viewer_a.get(URL + query)
    assert response.status_code == 200, response.json()
    assert [e["event_id"] for e in response.json()["results"]] == expected
    assert all(set(e) == EVENT_FIELDS for e in response.json()["results"])


def test_another_orgs_events_are_never_shown(editor_b, org_a, big_bills):
    event = processed(org_a, body("pos-1", payload={"amount": 600}))
    assert editor_b.get(URL).json()["count"] == 0
    response = editor_b.get(f"{URL}{event.pk}/")
    assert (response.status_code, response.json()["code"]) == (404, "NOT_FOUND")
    # The same event_id is another org's own: no EVENT_ID_REUSED across orgs.
    posted = editor_b.post(URL, bill("pos-1", payload={"amount": 1}), format="json")
    assert posted.status_code == 202
    assert posted.json()["id"] != str(event.pk)
