"""The client's IP address behind trusted proxies. Pure.

Frappe takes the first ``X-Forwarded-For`` entry as the client, which any client can
write. Here the header counts only when the peer is a trusted proxy, and then only the
entries the trusted proxies appended: walking from the right, the first address that is
not a trusted proxy is the client.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str] | str | None) -> list[Network]:
	"""Trusted proxies as written in the site config: addresses or CIDR ranges, a list or
	one comma-separated string; unreadable entries are ignored."""
	if isinstance(values, str):
		values = values.split(",")
	networks = []
	for value in values or ():
		try:
			networks.append(ipaddress.ip_network(str(value).strip(), strict=False))
		except ValueError:
			continue
	return networks


def _address(value: str | None):
	text = (value or "").strip()
	if text.startswith("[") and "]" in text:  # [IPv6]:port
		text = text[1 : text.index("]")]
	elif text.count(":") == 1:  # IPv4:port
		text = text.split(":", 1)[0]
	try:
		return ipaddress.ip_address(text)
	except ValueError:
		return None


def client_ip(remote_addr: str | None, forwarded_for: str | None, trusted: list[Network]) -> str:
	"""The address to count a request against."""
	peer = _address(remote_addr)
	if peer is None:
		return (remote_addr or "").strip() or "0.0.0.0"
	if not _trusted(peer, trusted) or not forwarded_for:
		return str(peer)
	hops = [_address(hop) for hop in forwarded_for.split(",")]
	for hop in reversed(hops):
		if hop is None:
			break  # garbage from the client side of the chain: stop at the last good hop
		if not _trusted(hop, trusted):
			return str(hop)
		peer = hop
	return str(peer)


def _trusted(address, trusted: list[Network]) -> bool:
	return any(address.version == net.version and address in net for net in trusted)
