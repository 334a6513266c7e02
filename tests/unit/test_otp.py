import pytest

from medic_plus.core import otp
from medic_plus.core.otp import InvalidCode, MemoryStore, OTPPolicy, SendBudgetExceeded

SECRET = "site-secret"


class Clock:
	def __init__(self):
		self.t = 1000.0

	def __call__(self):
		return self.t


@pytest.fixture
def clock():
	return Clock()


@pytest.fixture
def store(clock):
	return MemoryStore(clock)


def test_code_is_six_digits_and_verifies_once(store):
	code = otp.issue(store, SECRET, "p1", "a@x.org", "1.1.1.1")
	assert len(code) == 6 and code.isdigit()
	otp.verify(store, SECRET, "p1", "a@x.org", code)
	with pytest.raises(InvalidCode):  # replay
		otp.verify(store, SECRET, "p1", "a@x.org", code)


def test_code_is_stored_hashed_not_in_clear(store):
	code = otp.issue(store, SECRET, "p1", "a@x.org", "1.1.1.1")
	dumped = repr(store._data)
	assert code not in dumped and "a@x.org" not in dumped


def test_code_is_bound_to_practice_and_identifier(store):
	code = otp.issue(store, SECRET, "p1", "a@x.org", "1.1.1.1")
	for scope, ident in (("p2", "a@x.org"), ("p1", "b@x.org")):
		with pytest.raises(InvalidCode):
			otp.verify(store, SECRET, scope, ident, code)
	otp.verify(store, SECRET, "p1", "a@x.org", code)


def test_code_expires(store, clock):
	code = otp.issue(store, SECRET, "p1", "a@x.org", "1.1.1.1")
	clock.t += 601
	with pytest.raises(InvalidCode):
		otp.verify(store, SECRET, "p1", "a@x.org", code)


def test_brute_force_kills_the_code_after_five_wrong_tries(store):
	code = otp.issue(store, SECRET, "p1", "a@x.org", "1.1.1.1")
	wrong = f"{(int(code) + 1) % 10**6:06d}"
	for _ in range(5):
		with pytest.raises(InvalidCode):
			otp.verify(store, SECRET, "p1", "a@x.org", wrong)
	with pytest.raises(InvalidCode):  # the right code no longer works
		otp.verify(store, SECRET, "p1", "a@x.org", code)


def test_four_wrong_tries_still_allow_the_right_code(store):
	code = otp.issue(store, SECRET, "p1", "a@x.org", "1.1.1.1")
	for bad in ("000000x", "", "12345", "9999999"):
		with pytest.raises(InvalidCode):
			otp.verify(store, SECRET, "p1", "a@x.org", bad)
	otp.verify(store, SECRET, "p1", "a@x.org", code)


def test_a_new_code_replaces_the_old_one(store):
	first = otp.issue(store, SECRET, "p1", "a@x.org", "1.1.1.1")
	second = otp.issue(store, SECRET, "p1", "a@x.org", "1.1.1.1")
	if first != second:
		with pytest.raises(InvalidCode):
			otp.verify(store, SECRET, "p1", "a@x.org", first)
	otp.verify(store, SECRET, "p1", "a@x.org", second)


def test_send_budget_per_identifier(store, clock):
	for _ in range(3):
		otp.issue(store, SECRET, "p1", "a@x.org", f"10.0.0.{_}")
	with pytest.raises(SendBudgetExceeded):
		otp.issue(store, SECRET, "p1", "a@x.org", "10.0.0.9")
	clock.t += 3601
	otp.issue(store, SECRET, "p1", "a@x.org", "10.0.0.9")


def test_send_budget_per_ip(store):
	policy = OTPPolicy(sends_per_ip=4)
	for i in range(4):
		otp.issue(store, SECRET, "p1", f"u{i}@x.org", "1.1.1.1", policy)
	with pytest.raises(SendBudgetExceeded):
		otp.issue(store, SECRET, "p1", "u9@x.org", "1.1.1.1", policy)
	otp.issue(store, SECRET, "p1", "u9@x.org", "2.2.2.2", policy)


def test_codes_are_not_predictable(store):
	codes = {otp.issue(store, SECRET, "p1", f"u{i}@x.org", str(i)) for i in range(50)}
	assert len(codes) > 45


@pytest.mark.parametrize(
	"value,expected", [(" A@X.org ", "a@x.org"), ("bad", None), ("a@b", None), ("", None), (None, None)]
)
def test_normalise_email(value, expected):
	assert otp.normalise_email(value) == expected


@pytest.mark.parametrize(
	"value,expected", [("+49 151 123-456-78", "+4915112345678"), ("12", None), ("abc", None)]
)
def test_normalise_mobile(value, expected):
	assert otp.normalise_mobile(value) == expected
