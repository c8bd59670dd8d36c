"""One signed webhook POST and what came of it (SPEC 13, Standard Webhooks).

Network trouble never raises: it is a Delivery without a status, whose error the outbox records
before it schedules the next attempt. The host is resolved once and checked (addresses.py), and
the connection goes to a checked address, the name travelling in the Host header, TLS SNI and
the certificate check. Redirects are not followed (a 3xx is an answer, not a delivery), nothing
is retried here, and at most ``read_cap`` bytes of an answer are read: the rest is dropped with
the connection.
"""

import functools
import math
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from http.client import HTTPException

import urllib3
from standardwebhooks import Webhook
from urllib3.exceptions import HTTPError, NewConnectionError, ProtocolError, SSLError
from urllib3.exceptions import TimeoutError as Urllib3TimeoutError
from urllib3.util.ssl_ import create_urllib3_context

from badges.webhooks.addresses import (
    AddressRefused,
    WebhookTarget,
    public_addresses,
    webhook_target,
)

EXCERPT_CHARS = 1_000
USER_AGENT = "badges-platform-webhooks/1"
NETWORK_ERRORS = (HTTPError, HTTPException, OSError)


@dataclass(frozen=True)
class Delivery:
    """What one attempt came to. ``status_code`` is None when no HTTP answer came, and
    ``error`` says why; on an answer ``error`` is empty unless its body could not be read."""

    status_code: int | None
    latency_ms: int
    error: str = ""
    response_excerpt: str = ""
    retry_after: str | None = None  # the raw header, for schedule.retry_after_delay

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        """The receiver says the endpoint is gone for good (410)."""
        return self.status_code == 410


def signed_headers(
    *, secret: str, message_id: str, body: bytes, sent_at: datetime
) -> dict[str, str]:
    """The headers of an attempt sent at ``sent_at`` (aware): ``webhook-id`` is the same on
    every retry, ``webhook-timestamp`` and the signature over ``id.timestamp.body`` are not."""
    if sent_at.tzinfo is None:
        raise ValueError("sent_at must be an aware datetime")
    # standardwebhooks takes the timestamp's wall clock as UTC, so it must be UTC already.
    sent_at = sent_at.astimezone(UTC)
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(math.floor(sent_at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, sent_at, body.decode()),
    }


def post_webhook(
    url: str,
    *,
    secret: str,
    message_id: str,
    body: bytes,
    sent_at: datetime,
    allow_private: bool,
    timeout: float = 10.0,
    read_cap: int = 64 * 1024,
) -> Delivery:
    """POST ``body`` (UTF-8 JSON) signed to ``url``, within ``timeout`` seconds in all: urllib3
    gives each wait for data what remains after connecting, so only a receiver trickling its
    answer byte by byte can stretch that (the calling task's time limit is the backstop)."""
    if timeout <= 0:
        raise ValueError("timeout must be positive")
    headers = signed_headers(secret=secret, message_id=message_id, body=body, sent_at=sent_at)
    started = time.monotonic()
    try:
        target = webhook_target(url)
        addresses = public_addresses(target.host, target.port, allow_private=allow_private)
    except AddressRefused as refused:
        return Delivery(status_code=None, latency_ms=_ms_since(started), error=str(refused))
    headers["host"] = target.host_header
    error = ""
    # The next checked address is tried only when the connection could not even be opened
    # (say an IPv6 answer on a host without IPv6), as socket.create_connection does.
    for address in addresses:
        remaining = timeout - (time.monotonic() - started)
        if remaining <= 0:
            break
        pool = _pool(target, address, remaining)
        try:
            response = pool.urlopen(
                "POST",
                target.request_target,
                body=body,
                headers=headers,
                retries=False,
                redirect=False,
                assert_same_host=False,
                preload_content=False,
            )
        except NewConnectionError as failure:
            error = _described(failure, target, address, timeout)
            continue
        except NETWORK_ERRORS as failure:
            error = _described(failure, target, address, timeout)
            break
        else:
            return _answer(response, started, read_cap)
        finally:
            pool.close()
    return Delivery(status_code=None, latency_ms=_ms_since(started), error=error)


def _pool(target: WebhookTarget, address: str, timeout: float) -> urllib3.HTTPConnectionPool:
    """A pool of one connection to ``address``, the checked IP: urllib3 makes no DNS lookup of
    an IP, and TLS checks the certificate against the URL's host."""
    options = {"timeout": urllib3.Timeout(total=timeout), "retries": False, "maxsize": 1}
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address,
            target.port,
            cert_reqs=ssl.CERT_REQUIRED,
            ssl_context=tls_context(),
            server_hostname=target.host,
            assert_hostname=target.host,
            **options,
        )
    return urllib3.HTTPConnectionPool(address, target.port, **options)


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The verifying TLS context every delivery shares: loading the system's CA certificates
    takes tens of milliseconds, too long to repeat for each one."""
    context = create_urllib3_context(cert_reqs=ssl.CERT_REQUIRED)
    context.load_default_certs()
    return context


def _answer(response: urllib3.BaseHTTPResponse, started: float, read_cap: int) -> Delivery:
    error = ""
    try:
        content = response.read(read_cap)
    except NETWORK_ERRORS as failure:
        content, error = b"", f"The answer's body could not be read: {_reason(failure)}"
    finally:
        response.close()  # closes the connection: what was not read is never drained
    return Delivery(
        status_code=response.status,
        latency_ms=_ms_since(started),
        error=error,
        response_excerpt=_excerpt(content),
        retry_after=response.headers.get("retry-after"),
    )


def _excerpt(content: bytes) -> str:
    """The start of an answer's body as text: undecodable bytes replaced, NULs dropped (a
    PostgreSQL text column refuses them)."""
    return content.decode("utf-8", errors="replace").replace("\x00", "")[:EXCERPT_CHARS]


def _described(failure: Exception, target: WebhookTarget, address: str, timeout: float) -> str:
    where = f"{target.host} ({address} port {target.port})"
    # Before timeouts: urllib3's NewConnectionError is a ConnectTimeoutError.
    if isinstance(failure, NewConnectionError):
        return f"Could not connect to {where}: {_reason(failure)}"
    if isinstance(failure, Urllib3TimeoutError | TimeoutError):
        return f"No answer from {where} within {timeout:g} s."
    if isinstance(failure, SSLError):
        return f"TLS with {where} failed: {_reason(failure)}"
    if isinstance(failure, ProtocolError):
        return f"The connection to {where} broke: {_reason(failure)}"
    return f"The request to {where} failed: {_reason(failure)}"


def _reason(failure: BaseException) -> str:
    """The underlying error in words, without urllib3's wrappers and their object reprs."""
    if failure.__cause__ is not None:
        return _reason(failure.__cause__)
    inner = failure.args[-1] if isinstance(failure, ProtocolError) and failure.args else None
    if isinstance(inner, BaseException):
        return _reason(inner)
    return str(failure) or type(failure).__name__


def _ms_since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
