"""Network trouble is a failed delivery, never an exception: no status, the reason in words,
and the time it took (a silent receiver costs the timeout, not more)."""

import socket
import struct
import threading

import pytest

from badges.webhooks.transport import Delivery
from tests.webhooks.conftest import BODY


@pytest.fixture
def silent_port():
    """A port that accepts connections (the kernel's backlog does) and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        yield listener.getsockname()[1]


@pytest.fixture
def refusing_port():
    """A port bound but not listening: every connection is refused."""
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        yield bound.getsockname()[1]


@pytest.fixture
def one_shot_server():
    """Start a server for one connection: it reads the request, then sends ``reply`` and
    closes, or resets the connection when ``reply`` is None. Answers its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def serve(reply):
        connection, _ = listener.accept()
        with connection:
            request = b""
            while b"\r\n\r\n" not in request or not request.endswith(BODY):
                request += connection.recv(65536)
            if reply is None:
                linger = struct.pack("ii", 1, 0)  # close with a reset, not a goodbye
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
            else:
                connection.sendall(reply)

    threads = []

    def start(reply: bytes | None) -> int:
        threads.append(threading.Thread(target=serve, args=(reply,), daemon=True))
        threads[-1].start()
        return listener.getsockname()[1]

    yield start
    for thread in threads:
        thread.join(timeout=5)
    listener.close()


def assert_failed(delivery: Delivery, *words: str):
    assert delivery.status_code is None
    assert not delivery.delivered and not delivery.gone
    assert delivery.response_excerpt == "" and delivery.retry_after is None
    for word in words:
        assert word in delivery.error


def test_a_silent_receiver_times_out_into_an_error(silent_port, deliver):
    delivery = deliver(f"http://127.0.0.1:{silent_port}/hooks", allow_private=True, timeout=0.3)

    assert_failed(delivery, "No answer", "within 0.3 s")
    assert 250 <= delivery.latency_ms < 5_000


def test_a_refused_connection_is_an_error(refusing_port, deliver):
    delivery = deliver(f"http://127.0.0.1:{refusing_port}/hooks", allow_private=True)
    assert_failed(delivery, "Could not connect", "Connection refused")


def test_a_reset_connection_is_an_error(one_shot_server, deliver):
    port = one_shot_server(None)
    delivery = deliver(f"http://127.0.0.1:{port}/hooks", allow_private=True)
    assert_failed(delivery, "broke", "reset")


def test_a_connection_closed_without_an_answer_is_an_error(one_shot_server, deliver):
    port = one_shot_server(b"")
    delivery = deliver(f"http://127.0.0.1:{port}/hooks", allow_private=True)
    assert_failed(delivery, "broke", "without response")


def test_an_answer_cut_short_keeps_its_status_and_says_its_body_was_unreadable(
    one_shot_server, deliver
):
    port = one_shot_server(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten.")
    delivery = deliver(f"http://127.0.0.1:{port}/hooks", allow_private=True)
    assert (delivery.status_code, delivery.delivered) == (200, True)
    assert "body could not be read" in delivery.error


def test_a_failed_tls_handshake_is_an_error(httpserver, deliver):
    """HTTPS spoken to the plain-HTTP receiver."""
    delivery = deliver(f"https://127.0.0.1:{httpserver.port}/hooks", allow_private=True)
    assert_failed(delivery, "TLS")
    assert httpserver.log == []


def test_a_timeout_must_be_positive(deliver):
    with pytest.raises(ValueError, match="timeout"):
        deliver("http://127.0.0.1:9/", allow_private=True, timeout=0)


def test_a_name_that_does_not_resolve_is_an_error(resolver, deliver):
    delivery = deliver("https://hooks.example.test/hooks", allow_private=True)
    assert_failed(delivery, "does not resolve")
    assert resolver.lookups == ["hooks.example.test"]


def test_an_unusable_url_is_an_error(deliver):
    assert_failed(deliver("ftp://hooks.example.test/", allow_private=True), "http")


def test_the_next_checked_address_is_tried_only_when_a_connection_cannot_open(
    httpserver, resolver, connections, deliver
):
    """Nothing listens on 127.0.0.2 (the receiver is bound to 127.0.0.1)."""
    resolver.answers["hooks.example.test"] = ["127.0.0.2", "127.0.0.1"]
    httpserver.expect_request("/hooks").respond_with_data("ok")

    delivery = deliver(f"http://hooks.example.test:{httpserver.port}/hooks", allow_private=True)

    assert delivery.delivered
    assert connections == [("127.0.0.2", httpserver.port), ("127.0.0.1", httpserver.port)]
    assert resolver.lookups == ["hooks.example.test"]


def test_a_timeout_is_not_retried_on_the_next_address(silent_port, resolver, connections, deliver):
    resolver.answers["hooks.example.test"] = ["127.0.0.1", "127.0.0.2"]

    delivery = deliver(
        f"http://hooks.example.test:{silent_port}/hooks", allow_private=True, timeout=0.3
    )

    assert_failed(delivery, "within 0.3 s")
    assert connections == [("127.0.0.1", silent_port)]
