import pytest

from medic_plus.core.client_ip import client_ip, parse_networks

PROXY = parse_networks(["127.0.0.1", "10.0.0.0/8", "::1"])


@pytest.mark.parametrize(
	"remote,header,trusted,expected",
	[
		# no trusted proxy: the peer is the client, whatever the header says
		("203.0.113.5", "1.2.3.4", [], "203.0.113.5"),
		("127.0.0.1", "1.2.3.4", [], "127.0.0.1"),
		# an untrusted peer cannot speak for others
		("203.0.113.5", "1.2.3.4", PROXY, "203.0.113.5"),
		# behind a trusted proxy: the address it appended
		("127.0.0.1", "198.51.100.7", PROXY, "198.51.100.7"),
		# a spoofed first entry changes nothing: the proxy appended the real one
		("127.0.0.1", "1.2.3.4, 198.51.100.7", PROXY, "198.51.100.7"),
		# two trusted hops
		("127.0.0.1", "198.51.100.7, 10.1.2.3", PROXY, "198.51.100.7"),
		# all hops trusted: the leftmost trusted one
		("127.0.0.1", "10.1.2.3", PROXY, "10.1.2.3"),
		# garbage in the header
		("127.0.0.1", "not-an-ip", PROXY, "127.0.0.1"),
		("127.0.0.1", "", PROXY, "127.0.0.1"),
		("::1", "2001:db8::1", PROXY, "2001:db8::1"),
		("127.0.0.1", "198.51.100.7:4711", PROXY, "198.51.100.7"),
	],
)
def test_client_ip(remote, header, trusted, expected):
	assert client_ip(remote, header, trusted) == expected


def test_parse_networks_ignores_garbage_and_takes_strings():
	assert [str(n) for n in parse_networks("127.0.0.1, bad, 10.0.0.0/8")] == ["127.0.0.1/32", "10.0.0.0/8"]
	assert parse_networks(None) == []
