"""Shared fixtures of the webhook transport's tests: a signing secret, a resolver whose answers
the test sets, a record of the connections opened, and a delivery with the usual arguments."""

import base64
import functools
import ipaddress
import socket
from datetime import UTC, datetime

import pytest
import urllib3.util.connection

from badges.webhooks.transport import post_webhook

SECRET = "whsec_" + base64.b64encode(bytes(range(32))).decode()
MESSAGE_ID = "msg_2Kx7notification"
BODY = b'{"type":"badge.issued","timestamp":"2026-11-27T12:00:00Z","data":{"issual_id":7}}'


@pytest.fixture(scope="session")
def httpserver_listen_address():
    """The local receiver on IPv4 loopback only, whatever ``localhost`` resolves to here."""
    return ("127.0.0.1", 0)


class FakeResolver:
    """``socket.getaddrinfo`` answering the names in ``answers`` and no other (no test makes a
    real DNS query); IP literals, which need no DNS, go to the real one for the connection."""

    def __init__(self, real):
        self.real = real
        self.answers: dict[str, list[str]] = {}
        self.lookups: list[str] = []

    def __call__(self, host, port, family=0, type=0, proto=0, flags=0):
        try:
            ipaddress.ip_address(host)
        except ValueError:
            self.lookups.append(host)
        else:
            return self.real(host, port, family, type, proto, flags)
        if host not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [_answer(address, port) for address in self.answers[host]]


def _answer(address, port):
    if ":" in address:
        return (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))
    return (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))


@pytest.fixture
def resolver(monkeypatch):
    fake = FakeResolver(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


@pytest.fixture
def connections(monkeypatch):
    """The addresses urllib3 opened a connection to, in order."""
    opened = []
    real = urllib3.util.connection.create_connection

    def recording(address, *args, **kwargs):
        opened.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", recording)
    return opened


@pytest.fixture
def deliver():
    """post_webhook with this suite's secret, message and body, sent now."""
    return functools.partial(
        post_webhook,
        secret=SECRET,
        message_id=MESSAGE_ID,
        body=BODY,
        sent_at=datetime.now(UTC),
    )
