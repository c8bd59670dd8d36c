"""Seed 004 through the API: the fixed-window config lifecycle for upcoming, live and ended
badges, and `GET badges/{id}/fixed-windows/` with current and next cycles. Org A is in
Asia/Kolkata (+05:30)."""

import pytest
import time_machine

pytestmark = pytest.mark.django_db

URL = "/api/v1/badges/"
SEPT_20 = "2026-09-20T12:00:00+05:30"
OCT_7 = "2026-10-07T10:00:00+05:30"  # in the 5-day cycle Oct 6-11
OCT_11 = "2026-10-11T00:00:00+05:30"


def window(limit, duration_type, rate, week_start_day=None) -> dict:
    return {
        "max_earn_limit": limit,
        "duration_type": duration_type,
        "refresh_rate": rate,
        "week_start_day": week_start_day,
    }


def create(client, fixed_window, **overrides) -> str:
    body = {
        "name": "Weekly shopper",
        "start_on": "2026-10-01T00:00:00+05:30",
        "expires_on": "2026-11-01T00:00:00+05:30",
        "issue_type": "ISSUE",
        "issue_expiry": {"type": "BADGE_END"},
        "owners": ["LOYALTY"],
        "customer_limit": {"fixed_window": fixed_window},
        **overrides,
    }
    with time_machine.travel(SEPT_20, tick=False):
        response = client.post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def set_window(client, badge_id, fixed_window, at) -> dict:
    with time_machine.travel(at, tick=False):
        response = client.patch(
            f"{URL}{badge_id}/", {"customer_limit": {"fixed_window": fixed_window}}, format="json"
        )
    assert response.status_code == 200, response.json()
    return response.json()


def configs(client, badge_id, at) -> list[dict]:
    with time_machine.travel(at, tick=False):
        response = client.get(f"{URL}{badge_id}/fixed-windows/")
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def summary(found: list[dict]) -> list[tuple]:
    return [(c["duration_type"], c["refresh_rate"], c["status"]) for c in found]


def cycle(starts_on, ends_on) -> dict:
    return {"starts_on": starts_on, "ends_on": ends_on}


# Scenario 1: upcoming badge ------------------------------------------------------------------


def test_upcoming_badge_has_one_upcoming_config_that_every_update_replaces(editor_a):
    badge_id = create(editor_a, window(1, "DAYS", 3))
    [config] = configs(editor_a, badge_id, SEPT_20)
    assert (config["status"], config["starts_on"]) == ("UPCOMING", "2026-10-01T00:00:00+05:30")
    assert config["current_cycle"] is None
    assert config["next_cycle"] == cycle("2026-10-01T00:00:00+05:30", "2026-10-04T00:00:00+05:30")

    for replacement in (window(1, "WEEKS", 1), window(1, "MONTHS", 1), window(2, "DAYS", 7)):
        set_window(editor_a, badge_id, replacement, SEPT_20)
    assert summary(configs(editor_a, badge_id, SEPT_20)) == [("DAYS", 7, "UPCOMING")]


# Scenario 2: live badge ----------------------------------------------------------------------


@pytest.fixture
def live_badge(editor_a) -> str:
    """10 badges every 5 days, from Oct 1 (cycles Oct 1-6, 6-11, 11-16...)."""
    return create(editor_a, window(10, "DAYS", 5))


def test_a_live_cycle_change_waits_for_the_current_cycle_to_end(editor_a, live_badge):
    body = set_window(editor_a, live_badge, window(10, "DAYS", 7), OCT_7)
    active, upcoming = configs(editor_a, live_badge, OCT_7)
    assert body["customer_limit"]["fixed_window"]["refresh_rate"] == 7, "the latest setting"
    assert [c["status"] for c in body["fixed_windows"]] == ["ACTIVE", "UPCOMING"]
    assert (active["refresh_rate"], active["status"]) == (5, "ACTIVE")
    assert active["current_cycle"]["starts_on"] == "2026-10-06T00:00:00+05:30"
    assert active["ends_on"] == upcoming["starts_on"] == "2026-10-11T00:00:00+05:30"
    assert active["next_cycle"] is None, "the 7-day config takes over"
    assert (upcoming["refresh_rate"], upcoming["status"]) == (7, "UPCOMING")
    assert upcoming["next_cycle"] == cycle(OCT_11, "2026-10-18T00:00:00+05:30")


def test_a_second_change_replaces_only_the_upcoming_config(editor_a, live_badge):
    set_window(editor_a, live_badge, window(10, "DAYS", 7), OCT_7)
    tuesday_weeks = window(1, "WEEKS", 1, "TUESDAY")
    set_window(editor_a, live_badge, tuesday_weeks, OCT_7)
    active, upcoming = configs(editor_a, live_badge, OCT_7)
    assert (active["refresh_rate"], active["status"]) == (5, "ACTIVE")
    assert (upcoming["duration_type"], upcoming["week_start_day"]) == ("WEEKS", "TUESDAY")
    assert upcoming["next_cycle"] == cycle(OCT_11, "2026-10-13T00:00:00+05:30"), (
        "the first weekly cycle runs to the first Tuesday"
    )

    set_window(editor_a, live_badge, window(1, "MONTHS", 1), OCT_7)
    assert summary(configs(editor_a, live_badge, OCT_7)) == [
        ("DAYS", 5, "ACTIVE"),
        ("MONTHS", 1, "UPCOMING"),
    ]
    set_window(editor_a, live_badge, window(10, "DAYS", 1), OCT_7)
    assert summary(configs(editor_a, live_badge, OCT_7)) == [
        ("DAYS", 5, "ACTIVE"),
        ("DAYS", 1, "UPCOMING"),
    ]


def test_a_limit_only_change_updates_the_active_config_in_place(editor_a, live_badge):
    [before] = configs(editor_a, live_badge, OCT_7)
    set_window(editor_a, live_badge, window(3, "DAYS", 5), OCT_7)
    [after] = configs(editor_a, live_badge, OCT_7)
    assert (after["id"], after["max_earn_limit"], after["status"]) == (before["id"], 3, "ACTIVE")


def test_the_upcoming_config_takes_over_when_it_starts_without_any_job(editor_a, live_badge):
    set_window(editor_a, live_badge, window(10, "DAYS", 7), OCT_7)
    assert summary(configs(editor_a, live_badge, OCT_11)) == [
        ("DAYS", 5, "EXPIRED"),
        ("DAYS", 7, "ACTIVE"),
    ]
    set_window(editor_a, live_badge, window(10, "DAYS", 2), "2026-10-12T09:00:00+05:30")
    assert summary(configs(editor_a, live_badge, "2026-10-12T09:00:00+05:30")) == [
        ("DAYS", 5, "EXPIRED"),
        ("DAYS", 7, "ACTIVE"),
        ("DAYS", 2, "UPCOMING"),
    ], "at most one ACTIVE and one UPCOMING, any number EXPIRED"


def test_current_cycle_counts_the_issuances_the_badge_limit_counts(editor_a, live_badge):
    with time_machine.travel(OCT_7, tick=False):
        response = editor_a.patch(
            f"{URL}{live_badge}/",
            {"badge_limit": {"fixed_window": window(100, "DAYS", 5)}},
            format="json",
        )
    assert response.status_code == 200, response.json()
    with time_machine.travel(OCT_7, tick=False):
        for customer in ("c-1", "c-2", "c-3"):
            issued = editor_a.post(
                f"{URL}{live_badge}/issue/",
                {"customers": [customer], "request_id": f"r-{customer}"},
                format="json",
            ).json()["results"][0]
        editor_a.post(
            f"/api/v1/issuances/{issued['issuance']['issual_id']}/revoke/", {"reason": "x"}
        )
    found = configs(editor_a, live_badge, OCT_7)
    assert [(c["scope"], c["current_cycle"]["issued_count"]) for c in found] == [
        ("BADGE", 2),
        ("CUSTOMER", 2),
    ], "revoked issuances do not count"
    assert configs(editor_a, live_badge, OCT_11)[0]["current_cycle"]["issued_count"] == 0


# Scenario 3: ended badge ---------------------------------------------------------------------

AFTER_END = "2026-11-05T09:00:00+05:30"


@pytest.fixture
def ended_lifetime_badge(editor_a) -> str:
    """An ISSUE badge whose issuances never expire: its cycles run on after the badge end."""
    return create(editor_a, None, issue_expiry={"type": "NEVER"})


def test_a_window_added_to_an_ended_lifetime_badge_is_active_without_end(
    editor_a, ended_lifetime_badge
):
    set_window(editor_a, ended_lifetime_badge, window(1, "WEEKS", 1), AFTER_END)
    [config] = configs(editor_a, ended_lifetime_badge, AFTER_END)
    assert (config["status"], config["ends_on"]) == ("ACTIVE", None)
    assert config["current_cycle"] == {
        **cycle("2026-11-02T00:00:00+05:30", "2026-11-09T00:00:00+05:30"),
        "issued_count": 0,
    }
    assert config["next_cycle"] == cycle("2026-11-09T00:00:00+05:30", "2026-11-16T00:00:00+05:30")


def test_an_ended_badges_cycle_change_is_upcoming_and_a_limit_change_in_place(
    editor_a, ended_lifetime_badge
):
    set_window(editor_a, ended_lifetime_badge, window(1, "WEEKS", 1), AFTER_END)
    set_window(editor_a, ended_lifetime_badge, window(5, "WEEKS", 1), AFTER_END)
    [config] = configs(editor_a, ended_lifetime_badge, AFTER_END)
    assert (config["status"], config["max_earn_limit"]) == ("ACTIVE", 5)

    set_window(editor_a, ended_lifetime_badge, window(5, "WEEKS", 2), AFTER_END)
    set_window(editor_a, ended_lifetime_badge, window(5, "MONTHS", 1), AFTER_END)
    active, upcoming = configs(editor_a, ended_lifetime_badge, AFTER_END)
    assert (active["duration_type"], active["status"]) == ("WEEKS", "ACTIVE")
    assert (upcoming["duration_type"], upcoming["status"]) == ("MONTHS", "UPCOMING")
    assert upcoming["starts_on"] == "2026-11-09T00:00:00+05:30"


def test_a_window_added_to_an_ended_badge_governs_retro_issues(editor_a):
    badge_id = create(editor_a, None)
    set_window(editor_a, badge_id, window(1, "DAYS", 3), AFTER_END)
    [config] = configs(editor_a, badge_id, AFTER_END)
    assert (config["status"], config["starts_on"]) == ("EXPIRED", "2026-10-01T00:00:00+05:30")
    outcomes = []
    with time_machine.travel(AFTER_END, tick=False):
        for day in ("10", "12", "13"):
            response = editor_a.post(
                f"{URL}{badge_id}/issue/",
                {"customers": ["c-1"], "request_id": f"r-{day}", "event_date": f"2026-10-{day}"},
                format="json",
            )
            outcomes.append(response.json()["results"][0]["code"])
    assert outcomes == [None, "CUSTOMER_LIMIT_REACHED", None], "cycles Oct 10-12 and 13-15"


def test_fixed_windows_of_another_org_are_404_and_viewers_read_them(
    editor_a, viewer_a, editor_b, live_badge
):
    assert editor_b.get(f"{URL}{live_badge}/fixed-windows/").status_code == 404
    assert viewer_a.get(f"{URL}{live_badge}/fixed-windows/").status_code == 200


def test_fixed_windows_endpoint_runs_a_constant_number_of_queries(
    editor_a, live_badge, django_assert_num_queries
):
    """The caller (token, membership and org in one), the badge, its configs, and one count
    for all current cycles: 4 queries for one config as for five."""
    with time_machine.travel(OCT_7, tick=False), django_assert_num_queries(4):
        editor_a.get(f"{URL}{live_badge}/fixed-windows/")
    with time_machine.travel(OCT_7, tick=False):
        response = editor_a.patch(
            f"{URL}{live_badge}/",
            {"badge_limit": {"fixed_window": window(100, "DAYS", 5)}},
            format="json",
        )
    assert response.status_code == 200, response.json()
    for rate, day in ((7, 7), (2, 12), (9, 19)):
        set_window(editor_a, live_badge, window(10, "DAYS", rate), f"2026-10-{day:02}T09:00+05:30")
    at = "2026-10-19T10:00+05:30"
    assert len(configs(editor_a, live_badge, at)) == 5
    with time_machine.travel(at, tick=False), django_assert_num_queries(4):
        editor_a.get(f"{URL}{live_badge}/fixed-windows/")


def test_removing_the_window_of_an_ended_badge_lifts_it_for_retro_issues(editor_a):
    badge_id = create(editor_a, window(1, "DAYS", 3))

    def retro_issue(request_id, day):
        with time_machine.travel(AFTER_END, tick=False):
            response = editor_a.post(
                f"{URL}{badge_id}/issue/",
                {"customers": ["c-1"], "request_id": request_id, "event_date": f"2026-10-{day}"},
                format="json",
            )
        return response.json()["results"][0]["code"]

    assert [retro_issue("r-1", "10"), retro_issue("r-2", "11")] == [None, "CUSTOMER_LIMIT_REACHED"]
    body = set_window(editor_a, badge_id, None, AFTER_END)
    assert body["customer_limit"]["fixed_window"] is None
    assert retro_issue("r-3", "11") is None, "lifted for every issue processed from now"

    body = set_window(editor_a, badge_id, window(1, "DAYS", 3), AFTER_END)
    assert body["customer_limit"]["fixed_window"]["refresh_rate"] == 3, "and it can come back"
    assert retro_issue("r-4", "12") == "CUSTOMER_LIMIT_REACHED"


def test_a_config_that_can_only_start_after_the_badge_end_has_an_empty_range(editor_a, live_badge):
    """The last 5-day cycle (Oct 31 - Nov 5) is cut by the badge end on Nov 1; a new config
    starts when that cycle would have ended, so it applies only if the end moves past it."""
    set_window(editor_a, live_badge, window(10, "DAYS", 7), "2026-10-31T12:00:00+05:30")
    _, upcoming = configs(editor_a, live_badge, "2026-10-31T12:00:00+05:30")
    assert upcoming["starts_on"] == upcoming["ends_on"] == "2026-11-05T00:00:00+05:30"
    assert upcoming["next_cycle"] is None
