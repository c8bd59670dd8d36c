"""An HTTP answer is recorded as it came: only a 2xx is delivered, a 3xx is not followed, 410
means gone, Retry-After is kept raw, and only the start of the body is read and kept."""

import pytest

from badges.webhooks.transport import EXCERPT_CHARS


@pytest.mark.parametrize("status", [200, 201, 204, 299])
def test_a_2xx_is_delivered(httpserver, deliver, status):
    httpserver.expect_request("/hooks").respond_with_data("", status=status)

    delivery = deliver(httpserver.url_for("/hooks"), allow_private=True)

    assert (delivery.status_code, delivery.delivered, delivery.error) == (status, True, "")
    assert not delivery.gone
    assert delivery.latency_ms >= 0


@pytest.mark.parametrize("status", [300, 400, 404, 429, 500, 503])
def test_any_other_answer_is_not_delivered(httpserver, deliver, status):
    httpserver.expect_request("/hooks").respond_with_data("no", status=status)

    delivery = deliver(httpserver.url_for("/hooks"), allow_private=True)

    assert (delivery.status_code, delivery.delivered, delivery.error) == (status, False, "")
    assert delivery.response_excerpt == "no"


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_an_answer_and_its_target_is_never_requested(httpserver, deliver, status):
    httpserver.expect_request("/hooks").respond_with_data(
        "moved", status=status, headers={"Location": httpserver.url_for("/elsewhere")}
    )
    httpserver.expect_request("/elsewhere").respond_with_data("reached")

    delivery = deliver(httpserver.url_for("/hooks"), allow_private=True)

    assert (delivery.status_code, delivery.delivered) == (status, False)
    assert [request.path for request, _ in httpserver.log] == ["/hooks"]


@pytest.mark.parametrize(
    ("status", "gone"), [(410, True), (404, False), (409, False), (411, False), (200, False)]
)
def test_410_and_only_410_means_gone(httpserver, deliver, status, gone):
    httpserver.expect_request("/hooks").respond_with_data("", status=status)
    assert deliver(httpserver.url_for("/hooks"), allow_private=True).gone is gone


def test_retry_after_is_recorded_as_sent(httpserver, deliver):
    httpserver.expect_request("/hooks").respond_with_data(
        "busy", status=503, headers={"Retry-After": "120"}
    )
    assert deliver(httpserver.url_for("/hooks"), allow_private=True).retry_after == "120"


def test_no_retry_after_is_none(httpserver, deliver):
    httpserver.expect_request("/hooks").respond_with_data("busy", status=503)
    assert deliver(httpserver.url_for("/hooks"), allow_private=True).retry_after is None


def test_the_excerpt_of_a_5_mb_answer_is_capped(httpserver, deliver):
    httpserver.expect_request("/hooks").respond_with_data(b"x" * 5_000_000)

    delivery = deliver(httpserver.url_for("/hooks"), allow_private=True)

    assert (delivery.status_code, delivery.error) == (200, "")
    assert delivery.response_excerpt == "x" * EXCERPT_CHARS


def test_no_more_than_read_cap_bytes_are_read(httpserver, deliver):
    httpserver.expect_request("/hooks").respond_with_data(b"0123456789" * 100)

    delivery = deliver(httpserver.url_for("/hooks"), allow_private=True, read_cap=15)

    assert delivery.response_excerpt == "012345678901234"


def test_the_excerpt_is_decoded_leniently_and_without_nuls(httpserver, deliver):
    """A PostgreSQL text column refuses NUL characters."""
    httpserver.expect_request("/hooks").respond_with_data(b"ok \xff\x00caf\xc3\xa9")

    delivery = deliver(httpserver.url_for("/hooks"), allow_private=True)

    assert delivery.response_excerpt == "ok \ufffdcafé"


def test_the_request_goes_to_the_urls_path_and_query_percent_encoded(httpserver, deliver):
    httpserver.expect_request("/hooks/café", query_string="org=a%20b&x=1").respond_with_data("")

    delivery = deliver(httpserver.url_for("/hooks/café") + "?org=a b&x=1", allow_private=True)

    assert delivery.delivered
    [(request, _)] = httpserver.log
    assert request.method == "POST"
    assert request.environ["RAW_URI"] == "/hooks/caf%C3%A9?org=a%20b&x=1"
