import pytest

from medic_plus.core import form_token
from medic_plus.core.form_token import NotAccepted

SECRET = "s"


def test_a_token_filled_in_at_human_speed_is_accepted():
	token = form_token.make(SECRET, 1000, nonce="abc")
	assert form_token.check(SECRET, token, 1010) == "abc"


@pytest.mark.parametrize(
	"token,now,honeypot",
	[
		(form_token.make(SECRET, 1000), 1001, None),  # faster than a person
		(form_token.make(SECRET, 1000), 1000 + 3 * 3600, None),  # stale
		(form_token.make(SECRET, 1000), 1010, "http://spam"),  # honeypot filled
		(form_token.make("other", 1000), 1010, None),  # forged
		("v1.1000.abc.0000", 1010, None),
		("", 1010, None),
		(None, 1010, None),
		("v1.x.abc." + "0" * 32, 1010, None),
	],
)
def test_refusals(token, now, honeypot):
	with pytest.raises(NotAccepted):
		form_token.check(SECRET, token, now, honeypot)


def test_a_token_cannot_be_moved_to_another_time():
	token = form_token.make(SECRET, 1000, nonce="abc")
	forged = token.replace(".1000.", ".900.")
	with pytest.raises(NotAccepted):
		form_token.check(SECRET, forged, 1010)
