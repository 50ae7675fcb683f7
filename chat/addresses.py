"""Which network addresses the server may call on someone's behalf (``chat.fetching``).

Public unicast addresses only: no private, loopback, link-local, multicast, reserved,
shared (100.64/10), documentation or unspecified address (0.0.0.0, ::), so nothing of the
server's own network nor its cloud metadata service (169.254.169.254, fd00:ec2::254). IPv6
that only wraps an IPv4 address is judged as what it reaches, or refused outright:

- IPv4-mapped (``::ffff:127.0.0.1``) and IPv4-compatible (``::127.0.0.1``), 6to4
  (``2002::/16``) and Teredo (``2001::/32``): refused whatever they wrap; no resolver
  answers them for a real site;
- NAT64 (``64:ff9b::/96``, and the local-use ``64:ff9b:1::/48``): the IPv4 address in its
  low 32 bits is where the packet ends up, so that address is judged (NAT64 to a public
  address passes, to a private one does not).
"""

from __future__ import annotations

import ipaddress

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def written_address(text: str) -> Address:
    """The address ``text`` spells; ``ValueError`` when it spells none."""
    return ipaddress.ip_address(text.split("%", 1)[0])  # an IPv6 zone ("%eth0") is not the address


_NETWORKS = ipaddress.ip_network
#: Special-use ranges (RFC 6890) that the ``ipaddress`` predicates may not all cover in
#: every Python: never a page's or a hook's address.
NOT_PUBLIC = tuple(
    _NETWORKS(cidr)
    for cidr in (
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
        "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
        "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
        "::/128", "::1/128", "100::/64", "2001:2::/48", "2001:db8::/32", "fc00::/7",
        "fe80::/10", "fec0::/10", "ff00::/8",
    )
)  # fmt: skip
#: IPv6 that only ever wraps an IPv4 address, and is never a real page's address: mapped
#: (::ffff:0:0/96), compatible (::/96), 6to4 (2002::/16) and Teredo (2001::/32). Refused
#: whatever they wrap: a resolver that answers one is up to something.
TRANSITION = tuple(_NETWORKS(c) for c in ("::ffff:0:0/96", "::/96", "2002::/16", "2001::/32"))
#: NAT64 (RFC 6052 well-known, RFC 8215 local-use): the IPv4 address in the low 32 bits is
#: where the packet ends up, so that address is judged.
NAT64 = tuple(_NETWORKS(c) for c in ("64:ff9b::/96", "64:ff9b:1::/48"))


def _plainly_public(ip: Address) -> bool:
    return (
        ip.is_global
        and not (
            ip.is_private
            or ip.is_loopback
            or ip.is_link_local
            or ip.is_multicast
            or ip.is_reserved
            or ip.is_unspecified
            or getattr(ip, "is_site_local", False)
        )
        and not any(ip.version == network.version and ip in network for network in NOT_PUBLIC)
    )


def is_public(text: str) -> bool:
    """Whether the address ``text`` may be called without the setting: a public unicast
    address, not the server's own network, nor an IPv6 way of reaching one."""
    try:
        ip = written_address(text)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if any(ip in network for network in TRANSITION):
            return False
        if any(ip in network for network in NAT64):
            return _plainly_public(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return _plainly_public(ip)
