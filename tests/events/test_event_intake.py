"""Posting an event (SPEC 12, 17): stored once per event_id; a repeat answers the first event,
the same id with another body is EVENT_ID_REUSED; a body that breaks a rule writes nothing."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from badges.events.choices import EventStatus
from badges.events.models import Event
from badges.events.services.intake import EventBody, event_submit
from badges.exceptions import RuleViolation
from tests.events.factories import body
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def codes(error) -> set[str]:
    return {v.code for v in error.value.violations}


def test_a_new_event_is_stored_pending_with_its_body():
    org, now = OrganizationFactory(), timezone.now()
    event, created = event_submit(
        org=org,
        body=body("pos-7781", reference=" BILL-7781 ", payload={"amount": 600}),
        now=now,
    )
    assert created
    event.refresh_from_db()
    assert (event.status, event.reference, event.payload, event.received_on) == (
        EventStatus.PENDING,
        "BILL-7781",
        {"amount": 600},
        now,
    )


def test_a_repeat_with_the_same_body_answers_the_first_event():
    org, when = OrganizationFactory(), timezone.now()
    first, _ = event_submit(org=org, body=body("pos-1", event_date=when), now=when)
    again, created = event_submit(org=org, body=body("pos-1", event_date=when), now=when)
    assert (again, created) == (first, False)
    assert Event.objects.count() == 1


def test_the_same_instant_in_another_offset_is_the_same_body():
    org, when = OrganizationFactory(), timezone.now()
    event_submit(org=org, body=body("pos-1", event_date=when), now=when)
    shifted = when.astimezone(ZoneInfo("Asia/Kolkata"))
    _, created = event_submit(org=org, body=body("pos-1", event_date=shifted), now=when)
    assert not created


@pytest.mark.parametrize(
    "changed",
    [
        {"payload": {"amount": 601}},
        {"customer_id": "c-43"},
        {"reference": "BILL-2"},
        {"event_type": "ReturnBill", "payload": {"return_type": "PARTIAL"}},
        {"event_date_shift": 1},
    ],
)
def test_the_same_event_id_with_another_body_is_refused(changed):
    org, when = OrganizationFactory(), timezone.now()
    event_submit(org=org, body=body("pos-1", event_date=when, payload={"amount": 600}), now=when)
    shift = changed.pop("event_date_shift", 0)
    values = {"event_date": when + timedelta(microseconds=shift), "payload": {"amount": 600}}
    with pytest.raises(RuleViolation) as error:
        event_submit(org=org, body=body("pos-1", **{**values, **changed}), now=when)
    assert codes(error) == {"EVENT_ID_REUSED"}
    assert Event.objects.count() == 1


def test_event_ids_are_per_org():
    when = timezone.now()
    for org in (OrganizationFactory(), OrganizationFactory()):
        _, created = event_submit(org=org, body=body("pos-1", event_date=when), now=when)
        assert created


def test_an_event_dated_24_hours_ahead_is_taken_and_a_microsecond_later_refused():
    org, now = OrganizationFactory(), timezone.now()
    event_submit(org=org, body=body("e-1", event_date=now + timedelta(hours=24)), now=now)
    with pytest.raises(RuleViolation) as error:
        event_submit(
            org=org,
            body=body("e-2", event_date=now + timedelta(hours=24, microseconds=1)),
            now=now,
        )
    assert codes(error) == {"EVENT_DATE_IN_FUTURE"}


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"event_id": " "}, "EVENT_ID_INVALID"),
        ({"event_id": "x" * 256}, "EVENT_ID_INVALID"),
        ({"event_type": "Purchase"}, "EVENT_TYPE_INVALID"),
        ({"event_type": "Behavioral"}, "EVENT_NAME_REQUIRED"),
        ({"event_name": "app_open"}, "EVENT_NAME_NOT_ALLOWED"),
        ({"customer_id": ""}, "CUSTOMER_ID_INVALID"),
        ({"reference": "r" * 201}, "REFERENCE_INVALID"),
        ({"payload": {"blob": "x" * 17000}}, "PAYLOAD_INVALID"),
        ({"event_type": "ReturnBill", "payload": {}}, "RETURN_TYPE_INVALID"),
        ({"event_type": "ReturnBill", "payload": {"return_type": "full"}}, "RETURN_TYPE_INVALID"),
        (
            {"event_type": "ReturnBill", "payload": {"return_type": "FULL"}},
            "ORIGINAL_REFERENCE_REQUIRED",
        ),
        ({"event_type": "ReturnTargetCompleted", "payload": {}}, "TARGET_RULE_REQUIRED"),
    ],
)
def test_each_broken_event_field_has_its_code_and_nothing_is_stored(values, code):
    org = OrganizationFactory()
    values = {"event_id": "e-1", **values}
    with pytest.raises(RuleViolation) as error:
        event_submit(org=org, body=body(**values), now=timezone.now())
    assert code in codes(error)
    assert not Event.objects.exists()


def test_a_partial_return_needs_no_original_reference():
    event, _ = event_submit(
        org=OrganizationFactory(),
        body=body("r-1", event_type="ReturnBill", payload={"return_type": "PARTIAL"}),
        now=timezone.now(),
    )
    assert event.pk


def test_the_body_fingerprint_ignores_key_order():
    when = timezone.now()
    one = EventBody("e", "TransactionAdd", "c", when, payload={"a": 1, "b": {"x": 1, "y": 2}})
    two = EventBody("e", "TransactionAdd", "c", when, payload={"b": {"y": 2, "x": 1}, "a": 1})
    assert one.fingerprint == two.fingerprint
