"""SPEC 13: every delivery verifies with the official Standard Webhooks verifier; webhook-id is
the notification's id on every attempt, while each attempt's timestamp and signature are its own."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from badges.webhooks.transport import USER_AGENT, signed_headers
from tests.webhooks.conftest import BODY, MESSAGE_ID, SECRET


def test_a_delivery_verifies_with_the_official_verifier(httpserver, deliver):
    httpserver.expect_request("/hooks", method="POST").respond_with_data("ok")

    delivery = deliver(httpserver.url_for("/hooks"), allow_private=True)

    assert delivery.delivered
    [(request, _)] = httpserver.log
    assert request.get_data() == BODY
    assert Webhook(SECRET).verify(request.get_data(), dict(request.headers)) == {
        "type": "badge.issued",
        "timestamp": "2026-11-27T12:00:00Z",
        "data": {"issual_id": 7},
    }
    assert request.headers["webhook-id"] == MESSAGE_ID
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == USER_AGENT


def test_a_retry_keeps_the_id_and_gets_its_own_timestamp_and_signature():
    first_at = datetime.now(UTC)
    first = signed_headers(secret=SECRET, message_id=MESSAGE_ID, body=BODY, sent_at=first_at)
    retry = signed_headers(
        secret=SECRET, message_id=MESSAGE_ID, body=BODY, sent_at=first_at + timedelta(seconds=1)
    )

    assert first["webhook-id"] == retry["webhook-id"] == MESSAGE_ID
    assert int(retry["webhook-timestamp"]) == int(first["webhook-timestamp"]) + 1
    assert retry["webhook-signature"] != first["webhook-signature"]
    for headers in (first, retry):
        Webhook(SECRET).verify(BODY, headers)


def test_a_signature_does_not_verify_for_another_body_or_secret():
    headers = signed_headers(
        secret=SECRET, message_id=MESSAGE_ID, body=BODY, sent_at=datetime.now(UTC)
    )
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(BODY.replace(b"7", b"8"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 43 + "=").verify(BODY, headers)


def test_the_timestamp_is_the_attempts_unix_seconds_rounded_down():
    sent_at = datetime(2026, 11, 27, 12, 0, 0, 999_999, tzinfo=UTC)
    headers = signed_headers(secret=SECRET, message_id=MESSAGE_ID, body=BODY, sent_at=sent_at)
    assert headers["webhook-timestamp"] == "1795780800"  # 2026-11-27 12:00:00 UTC
    assert headers["webhook-signature"].startswith("v1,")


def test_an_instant_signs_the_same_in_any_timezone():
    """standardwebhooks reads the wall clock as UTC: an instant in another zone is converted."""
    utc = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    kolkata = utc.astimezone(ZoneInfo("Asia/Kolkata"))
    assert signed_headers(
        secret=SECRET, message_id=MESSAGE_ID, body=BODY, sent_at=kolkata
    ) == signed_headers(secret=SECRET, message_id=MESSAGE_ID, body=BODY, sent_at=utc)


def test_a_naive_send_time_is_refused():
    with pytest.raises(ValueError, match="aware"):
        signed_headers(
            secret=SECRET, message_id=MESSAGE_ID, body=BODY, sent_at=datetime(2026, 11, 27, 12)
        )
