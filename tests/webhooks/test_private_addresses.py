"""SPEC 13: unless private networks are allowed, a host that resolves to any address that is not
globally routable is refused, at send before any connection is opened."""

import ipaddress

import pytest

from badges.webhooks.addresses import AddressRefused, public_addresses

NOT_PUBLIC = [
    ["10.0.0.5"],
    ["172.16.0.1"],
    ["172.31.255.255"],
    ["192.168.1.1"],
    ["127.0.0.1"],
    ["169.254.169.254"],  # the cloud metadata service
    ["100.64.0.1"],  # CGNAT, 100.64.0.0/10
    ["100.127.255.255"],
    ["0.0.0.0"],
    ["224.0.0.1"],  # multicast
    ["240.0.0.1"],  # reserved
    ["255.255.255.255"],
    ["::1"],
    ["::"],
    ["fe80::1"],
    ["fc00::1"],
    ["ff0e::1"],  # global-scope multicast
    ["::ffff:127.0.0.1"],  # IPv4-mapped
    ["::ffff:10.0.0.5"],
    ["2002:7f00:1::"],  # 6to4 of 127.0.0.1
    ["64:ff9b::a9fe:a9fe"],  # NAT64 of 169.254.169.254
    ["64:ff9b:1::1"],  # local-use NAT64
    ["::7f00:1"],  # IPv4-compatible 127.0.0.1
    ["93.184.215.14", "10.0.0.5"],  # one private answer refuses the name
    ["2606:4700::1111", "::1"],
]
PUBLIC = [
    ["93.184.215.14"],
    ["8.8.8.8", "2606:4700::1111"],
    ["100.63.255.255"],  # just below CGNAT
    ["100.128.0.0"],  # just above
    ["172.15.255.255"],  # just below 172.16.0.0/12
    ["172.32.0.0"],  # just above
    ["::ffff:8.8.8.8"],
    ["2002:808:808::"],
    ["64:ff9b::808:808"],
]


def as_ips(addresses):
    """Addresses compared as addresses: Python 3.11 spells ::ffff:127.0.0.1 ::ffff:7f00:1."""
    return [ipaddress.ip_address(address) for address in addresses]


@pytest.mark.parametrize("answer", NOT_PUBLIC)
def test_a_delivery_to_a_private_address_is_refused_without_a_connection(
    resolver, connections, deliver, answer
):
    resolver.answers["hooks.example.test"] = answer

    delivery = deliver("https://hooks.example.test/hooks", allow_private=False)

    assert delivery.status_code is None
    assert "not a public address" in delivery.error
    assert connections == []
    assert resolver.lookups == ["hooks.example.test"]


@pytest.mark.parametrize("answer", NOT_PUBLIC)
def test_a_name_with_a_private_answer_is_refused(resolver, answer):
    resolver.answers["hooks.example.test"] = answer
    with pytest.raises(AddressRefused, match="not a public address"):
        public_addresses("hooks.example.test", 443, allow_private=False)


@pytest.mark.parametrize("answer", PUBLIC)
def test_a_name_with_only_public_answers_passes_in_the_resolvers_order(resolver, answer):
    resolver.answers["hooks.example.test"] = answer
    assert as_ips(public_addresses("hooks.example.test", 443, allow_private=False)) == as_ips(
        answer
    )


@pytest.mark.parametrize("answer", NOT_PUBLIC)
def test_allowing_private_networks_refuses_nothing_and_still_resolves(resolver, answer):
    resolver.answers["hooks.example.test"] = answer
    assert as_ips(public_addresses("hooks.example.test", 443, allow_private=True)) == as_ips(answer)
    assert resolver.lookups == ["hooks.example.test"]


def test_the_same_address_answered_twice_is_listed_once(resolver):
    resolver.answers["hooks.example.test"] = ["8.8.8.8", "8.8.8.8", "8.8.4.4"]
    assert public_addresses("hooks.example.test", 443, allow_private=False) == [
        "8.8.8.8",
        "8.8.4.4",
    ]


@pytest.mark.parametrize("allow_private", [False, True])
def test_a_name_that_does_not_resolve_is_refused(resolver, allow_private):
    """Even when private networks are allowed: there is nothing to connect to."""
    with pytest.raises(AddressRefused, match="does not resolve"):
        public_addresses("nowhere.example.test", 443, allow_private=allow_private)


@pytest.mark.parametrize(
    ("literal", "refused"), [("10.0.0.5", True), ("::1", True), ("8.8.8.8", False)]
)
def test_an_ip_literal_is_checked_without_dns(resolver, literal, refused):
    if refused:
        with pytest.raises(AddressRefused):
            public_addresses(literal, 443, allow_private=False)
    else:
        assert public_addresses(literal, 443, allow_private=False) == [literal]
    assert public_addresses(literal, 443, allow_private=True) == [literal]
    assert resolver.lookups == []
