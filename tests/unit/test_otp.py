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


def test_send_budget_per_identifier_holds_across_practices(store):
	for i in range(3):
		otp.issue(store, SECRET, f"p{i}", "a@x.org", f"10.0.0.{i}")
	with pytest.raises(SendBudgetExceeded):
		otp.issue(store, SECRET, "p9", "a@x.org", "10.0.0.9")


def test_a_refused_request_takes_nothing_of_the_other_budgets(store):
	policy = OTPPolicy(sends_per_ip=2)
	otp.issue(store, SECRET, "p1", "x@x.org", "6.6.6.6", policy)
	otp.issue(store, SECRET, "p1", "y@x.org", "6.6.6.6", policy)
	for _ in range(5):  # the attacker's IP is spent: the victim's address is not touched
		with pytest.raises(SendBudgetExceeded):
			otp.issue(store, SECRET, "p1", "victim@x.org", "6.6.6.6", policy)
	for i in range(3):
		otp.issue(store, SECRET, "p1", "victim@x.org", f"7.7.7.{i}", policy)


def test_sms_budget_of_the_site(store):
	policy = OTPPolicy(sms_per_site=2)
	for i in range(2):
		otp.issue(store, SECRET, "p1", f"+4915112345{i:03d}", f"1.1.1.{i}", policy, sms=True)
	with pytest.raises(SendBudgetExceeded):
		otp.issue(store, SECRET, "p1", "+4915112345999", "1.1.1.9", policy, sms=True)
	otp.issue(store, SECRET, "p1", "e@x.org", "1.1.1.9", policy)  # e-mail is not counted


def test_a_released_code_keeps_its_remaining_tries(store):
	code = otp.issue(store, SECRET, "p1", "a@x.org", "1.1.1.1")
	wrong = f"{(int(code) + 1) % 10**6:06d}"
	for _ in range(4):
		with pytest.raises(InvalidCode):
			otp.reserve(store, SECRET, "p1", "a@x.org", wrong)
	for _ in range(3):  # bookings that fail (slot taken, say) give the code back each time
		key = otp.reserve(store, SECRET, "p1", "a@x.org", code)
		store.release(key)
	key = otp.reserve(store, SECRET, "p1", "a@x.org", code)
	store.burn(key)
	with pytest.raises(InvalidCode):
		otp.reserve(store, SECRET, "p1", "a@x.org", code)


def test_a_reserved_code_cannot_be_used_twice_at_once(store):
	code = otp.issue(store, SECRET, "p1", "a@x.org", "1.1.1.1")
	otp.reserve(store, SECRET, "p1", "a@x.org", code)
	with pytest.raises(InvalidCode):
		otp.reserve(store, SECRET, "p1", "a@x.org", code)


def test_parallel_guesses_evaluate_at_most_five_tries(store):
	import threading

	code = otp.issue(store, SECRET, "p1", "a@x.org", "1.1.1.1")
	wrong = f"{(int(code) + 1) % 10**6:06d}"
	outcomes = []
	key = otp.code_key("p1", "a@x.org")
	digest = otp._digest(SECRET, "p1", wrong)
	barrier = threading.Barrier(50)

	def guess():
		barrier.wait()
		outcomes.append(store.try_code(key, digest, 5, 150))

	threads = [threading.Thread(target=guess) for _ in range(50)]
	for t in threads:
		t.start()
	for t in threads:
		t.join()
	assert outcomes.count(otp.Outcome.WRONG) == 5
	with pytest.raises(InvalidCode):
		otp.verify(store, SECRET, "p1", "a@x.org", code)


def test_a_hold_whose_booking_never_ended_lapses_and_the_code_books_again(store, clock):
	"""The worker holding the code died before it burnt or released it."""
	code = otp.issue(store, SECRET, "p1", "a@x.org", "1.1.1.1")
	otp.reserve(store, SECRET, "p1", "a@x.org", code)
	clock.t += otp.POLICY.hold_seconds - 1
	with pytest.raises(InvalidCode):  # still held: busy
		otp.reserve(store, SECRET, "p1", "a@x.org", code)
	clock.t += 2
	otp.verify(store, SECRET, "p1", "a@x.org", code)  # lapsed: the code is usable once more
	with pytest.raises(InvalidCode):
		otp.verify(store, SECRET, "p1", "a@x.org", code)


def test_a_lapsed_hold_gives_its_try_back(store, clock):
	code = otp.issue(store, SECRET, "p1", "a@x.org", "1.1.1.1")
	wrong = f"{(int(code) + 1) % 10**6:06d}"
	for _ in range(3):
		with pytest.raises(InvalidCode):
			otp.reserve(store, SECRET, "p1", "a@x.org", wrong)
	otp.reserve(store, SECRET, "p1", "a@x.org", code)  # the fourth try: held
	clock.t += otp.POLICY.hold_seconds + 1
	with pytest.raises(InvalidCode):  # a fourth wrong try, not the fifth
		otp.reserve(store, SECRET, "p1", "a@x.org", wrong)
	otp.verify(store, SECRET, "p1", "a@x.org", code)
