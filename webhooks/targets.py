"""Target safety (SSRF): which URLs a subscription may have and which addresses the worker may
connect to. A URL is absolute http(s) with a host; unless WEBHOOK_ALLOW_PRIVATE_TARGETS is on, the
host may not be, or resolve to, any address that is not public (loopback, private, link-local,
shared, multicast, reserved, unspecified, documentation; IPv4-mapped and NAT64 forms judged by the
IPv4 address they carry). Spellings such as 2130706433, 0177.0.0.1 or 0x7f.1 are read as the
resolver reads them (getaddrinfo), so they are judged as the address they are. The worker resolves
again when sending and connects to the address it checked, never to a second lookup's."""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from django.conf import settings

from webhooks.exceptions import TargetRefused

SCHEMES = {"http": 80, "https": 443}
NAT64 = ipaddress.ip_network("64:ff9b::/96")


@dataclass(frozen=True)
class Target:
    """Where a POST goes: the URL's parts and the address it connects to."""

    scheme: str
    host: str  # as the URL names it (the Host header and TLS's server name)
    port: int
    address: str  # the checked IP address to connect to
    path: str  # with its query

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == SCHEMES[self.scheme] else f"{host}:{self.port}"


def split_url(url: str) -> SplitResult:
    """The URL's parts; TargetRefused unless it is an absolute http(s) URL with a host."""
    if not isinstance(url, str) or any(c in url for c in "\x00\r\n\t ") or not url.isprintable():
        raise TargetRefused("Must be an absolute http or https URL without spaces or control characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise TargetRefused("Must be an absolute http or https URL with a valid port.") from None
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise TargetRefused("Must be an absolute http or https URL.")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("Must not hold a user name or password.")
    if parts.fragment:
        raise TargetRefused("Must not hold a fragment.")
    if port == 0:
        raise TargetRefused("Must not use port 0.")
    return parts


def is_public(address: str) -> bool:
    """Whether a connection to `address` leaves for the public internet."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return is_public(str(ip.ipv4_mapped))
        if ip in NAT64:
            return is_public(str(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)))
        if ip.sixtofour is not None or ip.teredo is not None:
            return False
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified or ip.is_loopback
                                 or ip.is_link_local or ip.is_private)


def resolve(host: str, port: int) -> list[str]:
    """The addresses `host` names, as the system resolver reads it (literals in every spelling too)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise TargetRefused(f"The host {host!r} does not resolve.") from exc
    return list(dict.fromkeys(info[4][0] for info in infos))


def check_addresses(host: str, addresses: list[str]) -> None:
    if settings.WEBHOOK_ALLOW_PRIVATE_TARGETS:
        return
    for address in addresses:
        if not is_public(address):
            raise TargetRefused(f"The host {host!r} is or resolves to a non-public address ({address}).")


def url_check(url: str) -> None:
    """For create and update: TargetRefused for a URL that is not absolute http(s), or whose host is
    or resolves to a non-public address. A name that does not resolve now is accepted: it can reach
    nothing, and every attempt checks it again."""
    parts = split_url(url)
    port = parts.port or SCHEMES[parts.scheme]
    try:
        addresses = resolve(parts.hostname, port)
    except TargetRefused:
        if _literal(parts.hostname):
            raise
        return
    check_addresses(parts.hostname, addresses)


def _literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def target_for(url: str) -> Target:
    """For sending: the URL resolved now and every address checked; TargetRefused otherwise."""
    parts = split_url(url)
    port = parts.port or SCHEMES[parts.scheme]
    addresses = resolve(parts.hostname, port)
    check_addresses(parts.hostname, addresses)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(parts.scheme, parts.hostname, port, addresses[0], path)
