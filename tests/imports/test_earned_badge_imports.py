"""SPEC 14: customers' earned badges imported, each row IMPORTED, DUPLICATE, OVERLAPPING,
BADGE_NOT_FOUND or INVALID (with the field and rule); a re-run creates nothing."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from badges.choices import IssuanceSource, IssuanceStatus
from badges.exceptions import RuleViolation
from badges.imports.choices import MAX_API_ROWS, RowStatus
from badges.imports.rows import earned_row
from badges.imports.services.earned import earned_badges_import
from badges.models import Customer, Issuance, IssuedCountChange, Notification
from badges.services.issued_counts import issued_count_read
from tests.factories import (
    BadgeBenefitFactory,
    BadgeFactory,
    CustomerFactory,
    IssuanceFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
SEPT = datetime(2026, 9, 1, tzinfo=UTC)


def row(badge, customer="c-1", earned="2026-09-02T00:00:00Z", expires="2026-09-16T00:00:00Z"):
    return {
        "badge": str(badge.pk),
        "customer_id": customer,
        "earn_event_date": earned,
        "expires_on": expires,
    }


def imported(org, *rows, dry_run=False):
    return earned_badges_import(org=org, rows=list(rows), now=NOW, dry_run=dry_run)


def statuses(results):
    return [(r.status, r.code, r.field) for r in results]


def test_an_imported_row_is_an_issuance_from_import_with_no_benefits_and_no_notification(
    org_a, badge
):
    BadgeBenefitFactory(badge=badge)
    [result] = imported(org_a, {**row(badge), "external_id": "legacy-1"})
    assert (result.status, result.code, result.line) == (RowStatus.IMPORTED, "", 1)
    issuance = Issuance.objects.get()
    assert str(issuance.issual_id) == result.issual_id
    assert issuance.source == IssuanceSource.IMPORT
    assert issuance.benefits == []
    assert issuance.event_date == issuance.issued_on == datetime(2026, 9, 2, tzinfo=UTC)
    assert issuance.expires_on == datetime(2026, 9, 16, tzinfo=UTC)
    assert issuance.request_id == "legacy-1"
    assert not Notification.objects.exists()


def test_an_expiry_already_past_is_stored_expired_and_a_later_one_active(org_a, badge):
    imported(
        org_a,
        row(badge, "c-1", expires="2026-11-01T12:00:00Z"),
        row(badge, "c-2", expires="2026-11-01T12:01:00Z"),
        row(badge, "c-3", expires=""),
    )
    stored = dict(Issuance.objects.values_list("customer__customer_id", "status"))
    assert stored == {
        "c-1": IssuanceStatus.EXPIRED,
        "c-2": IssuanceStatus.ACTIVE,
        "c-3": IssuanceStatus.ACTIVE,
    }
    assert Issuance.objects.get(customer__customer_id="c-3").expires_on is None


def test_customers_are_created_on_first_use(org_a, badge):
    CustomerFactory(org=org_a, customer_id="c-1")
    imported(org_a, row(badge, "c-1"), row(badge, "c-2"), {**row(badge, "c-3"), "badge": "x"})
    assert set(Customer.objects.values_list("customer_id", flat=True)) == {"c-1", "c-2"}


def test_rerunning_the_same_rows_answers_duplicate_with_the_issuance_and_creates_nothing(
    org_a, badge
):
    rows = [row(badge, "c-1"), row(badge, "c-2", expires="")]
    first = imported(org_a, *rows)
    again = imported(org_a, *rows)
    assert [r.status for r in again] == [RowStatus.DUPLICATE] * 2
    assert [r.code for r in again] == ["DUPLICATE"] * 2
    assert [r.issual_id for r in again] == [r.issual_id for r in first]
    assert Issuance.objects.count() == 2
    assert IssuedCountChange.objects.filter(badge=badge).count() == 1


def test_a_duplicate_is_the_same_badge_customer_and_earn_date_even_revoked(org_a, badge):
    imported(org_a, row(badge))
    Issuance.objects.update(status=IssuanceStatus.REVOKED, revoked_on=NOW)
    [result] = imported(org_a, row(badge, expires="2026-09-20T00:00:00Z"))
    assert result.status == RowStatus.DUPLICATE


def test_a_row_overlapping_a_held_issuance_is_reported_and_not_written(org_a, badge):
    held = IssuanceFactory(
        org=org_a,
        badge=badge,
        customer=CustomerFactory(org=org_a, customer_id="c-1"),
        issued_on=datetime(2026, 9, 10, tzinfo=UTC),
        event_date=datetime(2026, 9, 10, tzinfo=UTC),
        expires_on=datetime(2026, 9, 24, tzinfo=UTC),
    )
    results = imported(
        org_a,
        row(badge, earned="2026-09-02T00:00:00Z", expires="2026-09-10T00:00:00Z"),
        row(badge, earned="2026-09-03T00:00:00Z", expires="2026-09-10T00:01:00Z"),
        row(badge, earned="2026-09-23T23:59:00Z", expires=""),
        row(badge, earned="2026-09-24T00:00:00Z", expires=""),
    )
    assert [r.status for r in results] == [
        RowStatus.IMPORTED,
        RowStatus.OVERLAPPING,
        RowStatus.OVERLAPPING,
        RowStatus.IMPORTED,
    ]
    assert results[1].issual_id == results[0].issual_id  # the earliest it overlaps
    assert results[2].issual_id == str(held.issual_id)
    assert results[1].code == "OVERLAPPING"


def test_a_revoked_issuance_blocks_no_import(org_a, badge):
    IssuanceFactory(
        org=org_a,
        badge=badge,
        customer=CustomerFactory(org=org_a, customer_id="c-1"),
        issued_on=datetime(2026, 9, 1, tzinfo=UTC),
        status=IssuanceStatus.REVOKED,
        revoked_on=NOW,
    )
    assert imported(org_a, row(badge))[0].status == RowStatus.IMPORTED


def test_rows_of_one_import_are_decided_in_order_against_those_imported_before_them(org_a, badge):
    results = imported(
        org_a,
        row(badge, earned="2026-09-02T00:00:00Z", expires="2026-09-10T00:00:00Z"),
        row(badge, earned="2026-09-05T00:00:00Z", expires="2026-09-20T00:00:00Z"),
        row(badge, earned="2026-09-02T00:00:00Z", expires="2026-09-03T00:00:00Z"),
        row(badge, earned="2026-09-12T00:00:00Z", expires="2026-09-14T00:00:00Z"),
        row(badge, "c-2", earned="2026-09-05T00:00:00Z"),
    )
    assert [r.status for r in results] == [
        RowStatus.IMPORTED,
        RowStatus.OVERLAPPING,  # the first
        RowStatus.DUPLICATE,  # the first's earn date
        RowStatus.IMPORTED,  # the second was not written: nothing blocks it
        RowStatus.IMPORTED,
    ]
    assert results[2].issual_id == results[0].issual_id


def test_a_badge_is_named_by_its_id_or_its_import_external_id(org_a, badge, org_b):
    other = BadgeFactory(org=org_b, start_on=SEPT, external_id="old-8")
    results = imported(
        org_a,
        {**row(badge, "c-1"), "badge": "old-7"},
        {**row(badge, "c-2"), "badge": str(badge.pk).upper()},
        {**row(badge, "c-3"), "badge": "old-8"},
        {**row(badge, "c-4"), "badge": str(other.pk)},
    )
    assert statuses(results) == [
        (RowStatus.IMPORTED, "", ""),
        (RowStatus.IMPORTED, "", ""),
        (RowStatus.BADGE_NOT_FOUND, "BADGE_NOT_FOUND", "badge"),
        (RowStatus.BADGE_NOT_FOUND, "BADGE_NOT_FOUND", "badge"),
    ]


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"badge": " "}, "BADGE_REQUIRED", "badge"),
        ({"badge": "old\u00007"}, "BADGE_INVALID", "badge"),
        ({"customer_id": " "}, "CUSTOMER_ID_INVALID", "customer_id"),
        ({"customer_id": "x" * 101}, "CUSTOMER_ID_INVALID", "customer_id"),
        ({"customer_id": 4.5}, "CUSTOMER_ID_INVALID", "customer_id"),
        ({"earn_event_date": ""}, "EARN_EVENT_DATE_REQUIRED", "earn_event_date"),
        ({"earn_event_date": "02/09/2026"}, "EARN_EVENT_DATE_INVALID", "earn_event_date"),
        ({"earn_event_date": "2026-09-31"}, "EARN_EVENT_DATE_INVALID", "earn_event_date"),
        ({"earn_event_date": 20260902}, "EARN_EVENT_DATE_INVALID", "earn_event_date"),
        ({"expires_on": "soon"}, "EXPIRES_ON_INVALID", "expires_on"),
        ({"expires_on": "2026-09-02T00:00:00Z"}, "EXPIRES_ON_NOT_AFTER_EARN", "expires_on"),
        (
            {"earn_event_date": "2026-08-31T23:59:59Z"},
            "EVENT_DATE_OUTSIDE_BADGE_PERIOD",
            "earn_event_date",
        ),
        (
            {"earn_event_date": "2026-10-01T00:00:00Z", "expires_on": ""},
            "EVENT_DATE_OUTSIDE_BADGE_PERIOD",
            "earn_event_date",
        ),
        ({"external_id": " "}, "EXTERNAL_ID_INVALID", "external_id"),
        ({"external_id": "e" * 256}, "EXTERNAL_ID_INVALID", "external_id"),
    ],
)
def test_a_row_breaking_a_rule_is_invalid_with_its_field_and_writes_nothing(
    org_a, badge, changes, code, field
):
    [result] = imported(org_a, {**row(badge), **changes})
    assert (result.status, result.code, result.field) == (RowStatus.INVALID, code, field)
    assert result.message
    assert not Issuance.objects.exists()
    assert not Customer.objects.exists()


def test_the_badge_period_holds_its_first_instant_and_not_its_end(org_a, badge):
    results = imported(
        org_a,
        row(badge, "c-1", earned="2026-09-01T00:00:00Z", expires=""),
        row(badge, "c-2", earned="2026-09-30T23:59:59Z", expires=""),
    )
    assert [r.status for r in results] == [RowStatus.IMPORTED] * 2


def test_an_earn_date_up_to_24_hours_ahead_is_taken(org_a):
    badge = BadgeFactory(org=org_a, start_on=SEPT, expires_on=NOW + timedelta(days=5))
    results = imported(
        org_a,
        row(badge, "c-1", earned="2026-11-02T12:00:00Z", expires=""),
        row(badge, "c-2", earned="2026-11-02T12:00:01Z", expires=""),
    )
    assert statuses(results)[0] == (RowStatus.IMPORTED, "", "")
    assert statuses(results)[1] == (RowStatus.INVALID, "EVENT_DATE_IN_FUTURE", "earn_event_date")


def test_dates_read_as_the_api_reads_them_in_the_org_timezone(org_a, badge):
    imported(
        org_a,
        row(badge, "c-1", earned="2026-09-02", expires="2026-09-16"),
        row(badge, "c-2", earned="2026-09-02T10:00", expires=""),
        {**row(badge, "c-3"), "customer_id": 42},
    )
    kolkata = {c: (i.event_date, i.expires_on) for c, i in _by_customer().items()}
    assert kolkata["c-1"] == (
        datetime(2026, 9, 1, 18, 30, tzinfo=UTC),
        datetime(2026, 9, 15, 18, 30, tzinfo=UTC),
    )
    assert kolkata["c-2"][0] == datetime(2026, 9, 2, 4, 30, tzinfo=UTC)
    assert "42" in kolkata


def test_a_rows_instants_are_read_into_utc_whatever_their_offset():
    """Compared with now and the badge's period (UTC), they are kept in UTC: the same
    instants, compared without a time zone lookup each time."""
    kolkata = ZoneInfo("Asia/Kolkata")
    values = {
        "badge": "b",
        "customer_id": "c-1",
        "earn_event_date": "2026-09-02",
        "expires_on": "2026-09-16T10:00:00+02:00",
    }
    read = earned_row(2, values, kolkata, NOW)
    assert read.earn_event_date == datetime(2026, 9, 1, 18, 30, tzinfo=UTC)
    assert read.expires_on == datetime(2026, 9, 16, 8, tzinfo=UTC)
    assert read.earn_event_date.tzinfo is UTC and read.expires_on.tzinfo is UTC


def test_a_date_alone_is_midnight_in_each_orgs_zone_however_often_it_is_read():
    """A file's dates alone are read once and kept: kept per zone, so the same date read for
    orgs in other zones is each one's own midnight."""
    values = {"badge": "b", "customer_id": "c-1", "earn_event_date": "2026-09-02"}
    for zone, midnight in (
        ("Asia/Kolkata", datetime(2026, 9, 1, 18, 30, tzinfo=UTC)),
        ("America/Sao_Paulo", datetime(2026, 9, 2, 3, tzinfo=UTC)),
        ("Asia/Kolkata", datetime(2026, 9, 1, 18, 30, tzinfo=UTC)),
    ):
        assert earned_row(2, values, ZoneInfo(zone), NOW).earn_event_date == midnight


def test_customer_and_external_ids_are_stored_as_sent_whatever_their_characters(org_a, badge):
    """Staged by COPY on PostgreSQL: tabs, backslashes, quotes, line breaks and non-ASCII
    letters come out as they went in (and name the same customer again)."""
    odd = ["tab\there", "back\\slash\\N", 'quote"s, and; more', "line\nbreak", "Zoë 北京 ☕"]
    results = imported(
        org_a,
        *[{**row(badge, c), "external_id": f"x-{c}"} for c in odd],
        *[row(badge, c, earned="2026-09-03T00:00:00Z") for c in odd],
    )
    assert [r.status for r in results] == [RowStatus.IMPORTED] * 5 + [RowStatus.OVERLAPPING] * 5
    stored = set(Issuance.objects.values_list("customer__customer_id", "request_id"))
    assert stored == {(c, f"x-{c}") for c in odd}
    assert Customer.objects.filter(org=org_a).count() == 5


def _by_customer():
    return {i.customer.customer_id: i for i in Issuance.objects.select_related("customer")}


def test_a_row_that_is_not_an_object_is_invalid(org_a, badge):
    [bad, good] = imported(org_a, ["c-1"], row(badge))
    assert (bad.status, bad.code, bad.line) == (RowStatus.INVALID, "ROW_INVALID", 1)
    assert good.status == RowStatus.IMPORTED


def test_a_request_has_1_to_5000_rows(org_a, badge):
    with pytest.raises(RuleViolation) as empty:
        imported(org_a)
    assert empty.value.violations[0].code == "ROWS_REQUIRED"
    with pytest.raises(RuleViolation) as many:
        imported(org_a, *[row(badge, f"c-{n}") for n in range(MAX_API_ROWS + 1)])
    assert many.value.violations[0].code == "TOO_MANY_ROWS"
    assert not Customer.objects.exists()


def test_a_dry_run_answers_what_the_import_would_do_and_writes_nothing(org_a, badge):
    rows = [row(badge, "c-1"), row(badge, "c-1"), {**row(badge), "badge": "nope"}]
    dry = imported(org_a, *rows, dry_run=True)
    assert not Issuance.objects.exists()
    assert not Customer.objects.exists()
    assert not IssuedCountChange.objects.exists()
    real = imported(org_a, *rows)
    assert [(r.status, r.code) for r in dry] == [(r.status, r.code) for r in real]


def test_imported_issuances_count_in_the_badge_issued_count(org_a, badge):
    imported(org_a, *[row(badge, f"c-{n}") for n in range(3)])
    assert issued_count_read(badge) == 3


def test_imports_skip_enrolment(org_a):
    badge = BadgeFactory(org=org_a, start_on=SEPT, enrol_issue=True)
    [result] = imported(org_a, row(badge, earned=(SEPT + timedelta(days=1)).isoformat()))
    assert result.status == RowStatus.IMPORTED


MESSAGES = {
    "BADGE_REQUIRED": "Name the badge by its id or external id.",
    "BADGE_INVALID": "badge is text.",
    "CUSTOMER_ID_INVALID": "Customer ids are 1 to 100 characters, not blank.",
    "EARN_EVENT_DATE_REQUIRED": "Give the earn date.",
    "EARN_EVENT_DATE_INVALID": "earn_event_date is an ISO 8601 date or datetime (years 2 to "
    "9998), such as 2025-10-11 or 2025-10-11T18:20:00+05:30.",
    "EVENT_DATE_IN_FUTURE": "An earned badge's date is at most 24 hours ahead of now.",
    "EXPIRES_ON_NOT_AFTER_EARN": "The expiry must be after the earn date (empty for a badge "
    "that never expires).",
    "EXTERNAL_ID_INVALID": "An external id is 1 to 255 characters, not blank (or none).",
}


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"badge": None}, "BADGE_REQUIRED"),
        ({"badge": 7}, "BADGE_INVALID"),
        ({"customer_id": " "}, "CUSTOMER_ID_INVALID"),
        ({"earn_event_date": None}, "EARN_EVENT_DATE_REQUIRED"),
        ({"earn_event_date": "2026-09-02T25:00"}, "EARN_EVENT_DATE_INVALID"),
        ({"earn_event_date": "2026-11-02T12:01:00Z"}, "EVENT_DATE_IN_FUTURE"),
        ({"expires_on": "2026-09-01"}, "EXPIRES_ON_NOT_AFTER_EARN"),
        ({"external_id": "\u0000"}, "EXTERNAL_ID_INVALID"),
    ],
)
def test_an_invalid_row_says_which_rule_it_broke(org_a, badge, changes, code):
    [result] = imported(org_a, {**row(badge), **changes})
    assert (result.code, result.message) == (code, MESSAGES[code])


def test_a_row_may_leave_out_its_expiry_and_external_id(org_a, badge):
    [result] = imported(
        org_a, {"badge": str(badge.pk), "customer_id": "c-1", "earn_event_date": "2026-09-02"}
    )
    assert result.status == RowStatus.IMPORTED
    issuance = Issuance.objects.get()
    assert (issuance.expires_on, issuance.request_id) == (None, "")


def test_an_expiry_may_be_a_date_in_9999_but_a_datetime_runs_to_9998(org_a, badge):
    results = imported(
        org_a,
        row(badge, "c-1", expires="9999-12-31"),
        row(badge, "c-2", expires="9999-01-01T00:00:00Z"),
        row(badge, "c-3", expires="9998-12-31T00:00:00Z"),
    )
    assert statuses(results) == [
        (RowStatus.IMPORTED, "", ""),
        (RowStatus.INVALID, "EXPIRES_ON_INVALID", "expires_on"),
        (RowStatus.IMPORTED, "", ""),
    ]
