"""A delivery resolves the host once and connects to the address it checked, under the URL's
name: in the Host header and, over HTTPS, in SNI and the certificate check."""

import shutil
import ssl
import subprocess

import pytest
from pytest_httpserver import HTTPServer

from badges.webhooks import transport


def test_the_checked_address_is_connected_to_under_the_urls_name(
    httpserver, resolver, connections, deliver
):
    resolver.answers["hooks.example.test"] = ["127.0.0.1"]
    httpserver.expect_request("/hooks").respond_with_data("ok")

    delivery = deliver(f"http://hooks.example.test:{httpserver.port}/hooks", allow_private=True)

    assert delivery.delivered
    [(request, _)] = httpserver.log
    assert request.headers["Host"] == f"hooks.example.test:{httpserver.port}"
    assert resolver.lookups == ["hooks.example.test"]
    assert connections == [("127.0.0.1", httpserver.port)]


def test_an_ipv6_answer_is_connected_to_the_same_way(
    httpserver_ipv6, resolver, connections, deliver
):
    resolver.answers["hooks.example.test"] = ["::1"]
    httpserver_ipv6.expect_request("/hooks").respond_with_data("ok")

    url = f"http://hooks.example.test:{httpserver_ipv6.port}/hooks"
    delivery = deliver(url, allow_private=True)

    assert delivery.delivered
    [(request, _)] = httpserver_ipv6.log
    assert request.headers["Host"] == f"hooks.example.test:{httpserver_ipv6.port}"
    assert connections == [("::1", httpserver_ipv6.port)]


def test_a_private_answer_is_not_connected_to_when_private_networks_are_not_allowed(
    httpserver, resolver, connections, deliver
):
    resolver.answers["hooks.example.test"] = ["127.0.0.1"]

    delivery = deliver(f"http://hooks.example.test:{httpserver.port}/hooks", allow_private=False)

    assert delivery.status_code is None
    assert connections == [] and httpserver.log == []


def _openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    """A test CA and two server certificates it signed: for hooks.example.test and for
    other.example.test."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    folder = tmp_path_factory.mktemp("tls")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    ca, ca_key = folder / "ca.pem", folder / "ca.key"
    _openssl(
        "req", "-x509", *ec, "-keyout", ca_key, "-out", ca, "-days", "2",
        "-subj", "/CN=Webhook test CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign",
    )  # fmt: skip
    for name in ("hooks.example.test", "other.example.test"):
        key, csr, extensions = folder / f"{name}.key", folder / f"{name}.csr", folder / "ext"
        extensions.write_text(f"subjectAltName=DNS:{name}\nextendedKeyUsage=serverAuth\n")
        _openssl("req", "-new", *ec, "-keyout", key, "-out", csr, "-subj", f"/CN={name}")
        _openssl(
            "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-days", "2",
            "-out", folder / f"{name}.pem", "-extfile", extensions,
        )  # fmt: skip
    return folder


@pytest.fixture
def trusted_test_ca(certificates, monkeypatch):
    """The shared TLS context rebuilt with the test CA as the system's only one."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates / "ca.pem"))
    monkeypatch.setenv("SSL_CERT_DIR", str(certificates / "no-such-folder"))
    transport.tls_context.cache_clear()
    yield
    transport.tls_context.cache_clear()


@pytest.fixture
def tls_receiver(certificates):
    """Start an HTTPS receiver on 127.0.0.1 presenting the certificate made for ``name``; it
    records the names clients asked for in SNI (``server.sni``)."""
    servers = []

    def start(name: str) -> HTTPServer:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certificates / f"{name}.pem", certificates / f"{name}.key")
        server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
        server.sni = []
        context.sni_callback = lambda _socket, asked, _context: server.sni.append(asked)
        server.expect_request("/hooks").respond_with_data("ok")
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.clear()
        server.stop()


def test_tls_to_the_pinned_address_checks_the_certificate_against_the_urls_name(
    tls_receiver, trusted_test_ca, resolver, connections, deliver
):
    resolver.answers["hooks.example.test"] = ["127.0.0.1"]
    receiver = tls_receiver("hooks.example.test")

    delivery = deliver(f"https://hooks.example.test:{receiver.port}/hooks", allow_private=True)

    assert (delivery.status_code, delivery.error) == (200, "")
    assert receiver.sni == ["hooks.example.test"]
    assert connections == [("127.0.0.1", receiver.port)]
    [(request, _)] = receiver.log
    assert request.headers["Host"] == f"hooks.example.test:{receiver.port}"


def test_a_certificate_for_another_name_is_refused(
    tls_receiver, trusted_test_ca, resolver, deliver
):
    resolver.answers["hooks.example.test"] = ["127.0.0.1"]
    receiver = tls_receiver("other.example.test")

    delivery = deliver(f"https://hooks.example.test:{receiver.port}/hooks", allow_private=True)

    assert delivery.status_code is None
    assert "TLS" in delivery.error
    assert "hostname 'hooks.example.test' doesn't match 'other.example.test'" in delivery.error
    assert receiver.sni == ["hooks.example.test"]
    assert receiver.log == []


def test_a_certificate_from_an_unknown_authority_is_refused(tls_receiver, resolver, deliver):
    """Without the test CA trusted: the system's authorities never signed it."""
    resolver.answers["hooks.example.test"] = ["127.0.0.1"]
    receiver = tls_receiver("hooks.example.test")

    delivery = deliver(f"https://hooks.example.test:{receiver.port}/hooks", allow_private=True)

    assert delivery.status_code is None
    assert "certificate verify failed" in delivery.error
    assert receiver.log == []
