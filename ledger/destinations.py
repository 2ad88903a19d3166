"""Where orgmap sends alerts: pure checks, so every place that takes an address (the `--webhook` setting, the
`webhook:`, `slack_webhook:` and `email:` of people's and teams' notes) accepts and refuses the same ones.

Only http(s) URLs with a host are accepted. Link-local addresses (169.254.0.0/16, fe80::/10) and the cloud metadata
services' addresses and names are refused unless allowed explicitly: a webhook that reaches them would hand whoever
sets the address the machine's cloud credentials. Loopback and private LAN addresses stay allowed, because a local
relay (to Slack, say) is normal. Host names are not resolved: the check is about the address as written.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import unquote

import httpx

__all__ = ["check_email", "check_webhook_url"]

# An address as people write one: no spaces or angle brackets, one @, a dot in the domain.
_EMAIL = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\".]+")

# Metadata services outside the link-local ranges: AWS over IPv6, Alibaba Cloud.
_METADATA_ADDRESSES = frozenset({ipaddress.ip_address("fd00:ec2::254"), ipaddress.ip_address("100.100.100.200")})
# Names that reach a metadata service without DNS: Google Cloud's (and its short form), AWS's.
_METADATA_NAMES = frozenset({"metadata.google.internal", "metadata.goog", "metadata", "instance-data",
                             "instance-data.ec2.internal"})
# What the system resolver may read as an IPv4 address: 2852039166, 0xa9fea9fe, 0251.0376.0251.0376, 169.254.43518.
_NUMERIC_HOST = re.compile(r"[0-9a-fx.]+")


def check_webhook_url(url: str, allow_link_local: bool = False) -> str:
    """`url` if orgmap may POST alerts to it, else ValueError saying why. The URL is parsed by httpx, the client
    that sends, so the check sees the host the POST would go to."""
    if not url or any(c.isspace() or not c.isprintable() for c in url):
        raise ValueError(f"{url!r} is not a URL (it is empty or holds spaces or control characters)")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise ValueError(f"{url!r} is not a URL: {exc}") from None
    if parsed.scheme not in ("http", "https"):
        raise ValueError(f"{url!r} is not an http:// or https:// URL")
    if not parsed.host:
        raise ValueError(f"{url!r} has no host")
    if not allow_link_local and _link_local_or_metadata(parsed.host):
        raise ValueError(f"{url!r} is a link-local or cloud metadata address, refused unless link-local "
                         "destinations are allowed explicitly")
    return url


def check_email(address: str) -> str:
    """`address` if it reads as one email address, else ValueError saying why.

    >>> check_email("maya@example.com")
    'maya@example.com'
    """
    if not isinstance(address, str) or not _EMAIL.fullmatch(address):
        raise ValueError(f"{address!r} is not an email address (name@domain.tld)")
    return address


def _link_local_or_metadata(host: str) -> bool:
    """Whether a URL's host (as httpx reads it: IPv6 without brackets, lower case) is link-local or a metadata
    service, in any form the system resolver reads as that address."""
    name = unquote(host).rstrip(".")
    if name in _METADATA_NAMES:
        return True
    address = _address(name)
    if address is None:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_link_local or address in _METADATA_ADDRESSES


def _address(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address a host name is written as, if it is one (the legacy IPv4 forms included), else None."""
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        pass
    if _NUMERIC_HOST.fullmatch(name):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(name))
        except OSError:
            return None
    return None
