"""A webhook URL may be saved when it is http(s) with a host, and, unless private networks are
allowed, when that host resolves only to public addresses; allowing them skips DNS altogether."""

import pytest

from badges.webhooks.addresses import AddressRefused, webhook_target, webhook_url_refusal


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("ftp://hooks.example.test/", "http:// or https://"),
        ("hooks.example.test/hooks", "http:// or https://"),
        ("javascript:alert(1)", "http:// or https://"),
        ("https://", "no host"),
        ("https:///hooks", "no host"),
        ("https://:8443/hooks", "no host"),
        ("https://hooks.example.test:0/", "between 1 and 65535"),
        ("https://hooks.example.test:65536/", "not a valid URL"),
        ("https://[::1/", "not a valid URL"),
        ("https://exa mple.test/", "not a valid host name"),
        ("https://a..b.test/", "not a valid host name"),
    ],
)
@pytest.mark.parametrize("allow_private", [False, True])
def test_a_url_without_an_http_scheme_or_a_host_is_refused(resolver, url, words, allow_private):
    assert words in webhook_url_refusal(url, allow_private=allow_private)
    assert resolver.lookups == []


@pytest.mark.parametrize(
    "url",
    ["http://10.0.0.5/hooks", "https://127.0.0.1:8443/", "http://[::1]:8000/", "http://[fe80::1]/"],
)
def test_a_private_ip_literal_is_refused_unless_allowed_and_without_dns(resolver, url):
    assert "not a public address" in webhook_url_refusal(url, allow_private=False)
    assert webhook_url_refusal(url, allow_private=True) is None
    assert resolver.lookups == []


@pytest.mark.parametrize("url", ["https://8.8.8.8/hooks", "http://[2606:4700::1111]:8080/"])
def test_a_public_ip_literal_is_accepted_without_dns(resolver, url):
    assert webhook_url_refusal(url, allow_private=False) is None
    assert resolver.lookups == []


def test_a_name_is_accepted_when_it_resolves_to_public_addresses(resolver):
    resolver.answers["hooks.example.test"] = ["93.184.215.14", "2606:4700::1111"]
    assert webhook_url_refusal("https://hooks.example.test/in", allow_private=False) is None
    assert resolver.lookups == ["hooks.example.test"]


def test_a_name_is_refused_when_any_answer_is_private(resolver):
    resolver.answers["hooks.example.test"] = ["93.184.215.14", "192.168.0.10"]
    refusal = webhook_url_refusal("https://hooks.example.test/in", allow_private=False)
    assert refusal == (
        "The webhook host hooks.example.test resolves to 192.168.0.10, which is not a public "
        "address: webhooks may only reach the Internet."
    )


def test_a_name_is_refused_when_it_does_not_resolve(resolver):
    refusal = webhook_url_refusal("https://nowhere.example.test/in", allow_private=False)
    assert refusal == "The webhook host nowhere.example.test does not resolve."


def test_allowing_private_networks_makes_no_dns_query(resolver):
    """Not even for a name that would not resolve: only the scheme and host are checked."""
    assert webhook_url_refusal("http://receiver:8000/hooks", allow_private=True) is None
    assert webhook_url_refusal("https://nowhere.example.test/", allow_private=True) is None
    assert resolver.lookups == []


HOST = "hooks.example.test"


@pytest.mark.parametrize(
    ("url", "target"),
    [
        (f"https://{HOST}", (HOST, 443, HOST, "/")),
        (f"http://{HOST}/", (HOST, 80, HOST, "/")),
        (f"https://{HOST}:443/a", (HOST, 443, HOST, "/a")),
        (f"http://{HOST}:443/", (HOST, 443, f"{HOST}:443", "/")),
        ("HTTPS://Hooks.Example.TEST:8443/In?a=1#x", (HOST, 8443, f"{HOST}:8443", "/In?a=1")),
        (f"https://{HOST}:65535/", (HOST, 65535, f"{HOST}:65535", "/")),
        (f"https://{HOST}/a%20b?x=%2F", (HOST, 443, HOST, "/a%20b?x=%2F")),
        (f"https://user:pw@{HOST}/", (HOST, 443, HOST, "/")),
        (
            "https://bücher.example/ä b?q=ü",
            ("xn--bcher-kva.example", 443, "xn--bcher-kva.example", "/%C3%A4%20b?q=%C3%BC"),
        ),
        (
            "http://[2606:4700::1111]:8080/",
            ("2606:4700::1111", 8080, "[2606:4700::1111]:8080", "/"),
        ),
    ],
)
def test_a_url_gives_the_host_port_and_request_line_a_delivery_uses(url, target):
    """Host, port, the Host header (no port when the scheme's default) and the request target."""
    parts = webhook_target(url)
    assert (parts.host, parts.port, parts.host_header, parts.request_target) == target


def test_control_characters_cannot_reach_the_request():
    """urlsplit drops tabs and line breaks; what remains is percent-encoded in the path, and
    refused in the host (which travels in the Host header)."""
    target = webhook_target("https://hooks.example.test/a\r\nX-Injected: 1\x00")
    assert target.request_target == "/aX-Injected:%201%00"
    with pytest.raises(AddressRefused, match="not a valid host name"):
        webhook_target("https://hooks.example.test\x0b.evil/")
