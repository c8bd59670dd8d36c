"""Which addresses a webhook may reach (SPEC 13).

An org's webhook URL must not reach the platform's own network (SSRF): unless private networks
are allowed (development and tests), a host is refused when any address it resolves to is not
globally routable. The same check runs when the URL is saved and when a delivery is sent, and
the delivery connects to the address it checked, so a DNS answer cannot change in between.
"""

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

DEFAULT_PORTS = {"http": 80, "https": 443}

HOST_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?")
# Kept as they are in the request line (with letters, digits and "_.-~"); the rest is
# percent-encoded, so that no URL saved by an org can break the request line.
TARGET_SAFE = "/:@!$&'()*+,;=%"

# IPv6 forms whose last 32 bits are the IPv4 address reached: the well-known NAT64 prefix and
# the deprecated IPv4-compatible form (mapped and 6to4 forms have their own accessors).
IPV4_CARRIERS = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("::/96"))
# Local-use NAT64 (RFC 8215): reaches a local network, yet `is_global` on Python 3.11.
LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")


class AddressRefused(Exception):
    """A webhook URL may not be reached; the message says why, in words an org admin reads."""


@dataclass(frozen=True)
class WebhookTarget:
    """What a delivery needs of a webhook URL."""

    scheme: str
    host: str  # an ASCII (IDNA) name or an IP literal, without brackets
    port: int
    request_target: str  # path and query, percent-encoded

    @property
    def host_header(self) -> str:
        """The ``Host`` header: the URL's host, and its port unless the scheme's default."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


def webhook_target(url: str) -> WebhookTarget:
    """The parts of ``url`` a delivery needs; AddressRefused when it names nothing to reach."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise AddressRefused("The webhook URL is not a valid URL.") from None
    if parts.scheme not in DEFAULT_PORTS:
        raise AddressRefused("The webhook URL must start with http:// or https://.")
    if port == 0:
        raise AddressRefused("The webhook URL's port must be between 1 and 65535.")
    target = quote(parts.path or "/", safe=TARGET_SAFE)
    if parts.query:
        target += "?" + quote(parts.query, safe=TARGET_SAFE + "?")
    return WebhookTarget(
        scheme=parts.scheme,
        host=_ascii_host(parts.hostname or ""),
        port=port or DEFAULT_PORTS[parts.scheme],
        request_target=target,
    )


def _ascii_host(hostname: str) -> str:
    if not hostname:
        raise AddressRefused("The webhook URL has no host.")
    literal = _ip_literal(hostname)
    if literal is not None:
        return str(literal)
    try:
        name = hostname.encode("idna").decode("ascii").lower()
    except UnicodeError:
        name = ""
    if not HOST_NAME.fullmatch(name):
        raise AddressRefused(f"The webhook host {hostname!r} is not a valid host name.")
    return name


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def is_public(ip: IPAddress) -> bool:
    """Whether ``ip`` is globally routable. An IPv6 form that carries an IPv4 address (mapped,
    6to4, NAT64, IPv4-compatible) is judged by that address too: ``::ffff:127.0.0.1`` is
    loopback."""
    if not ip.is_global or ip.is_multicast:
        return False
    if ip.version == 4:
        return True
    if ip in LOCAL_NAT64:
        return False
    carried = ip.ipv4_mapped or ip.sixtofour
    if carried is None and any(ip in network for network in IPV4_CARRIERS):
        carried = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return carried is None or is_public(carried)


def public_addresses(host: str, port: int, *, allow_private: bool) -> list[str]:
    """The addresses ``host`` (a name, or an IP literal checked without DNS) resolves to, in the
    resolver's order, for the caller to connect to. Raises AddressRefused when it does not
    resolve or, unless ``allow_private``, when any address is not public: the connection could
    use any of them."""
    literal = _ip_literal(host)
    addresses = [literal] if literal is not None else _resolve(host, port)
    if not allow_private:
        for ip in addresses:
            if not is_public(ip):
                raise AddressRefused(
                    f"The webhook host {host} resolves to {ip}, which is not a public address: "
                    "webhooks may only reach the Internet."
                )
    return [str(ip) for ip in addresses]


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        answers = []
    addresses = dict.fromkeys(ipaddress.ip_address(sockaddr[0]) for *_, sockaddr in answers)
    if not addresses:
        raise AddressRefused(f"The webhook host {host} does not resolve.")
    return list(addresses)


def webhook_url_refusal(url: str, *, allow_private: bool) -> str | None:
    """Why ``url`` may not be saved as a webhook URL, or None when it may. With
    ``allow_private`` only the scheme and host are checked, without DNS."""
    try:
        target = webhook_target(url)
        if not allow_private:
            public_addresses(target.host, target.port, allow_private=False)
    except AddressRefused as refused:
        return str(refused)
    return None
