"""The activation link's key: random, stored as a hash, one use, twelve hours."""

from datetime import datetime, timedelta

from medic_plus.core.activation import (
	ACTIVATION_TTL,
	EXPIRED,
	INVALID,
	USED,
	digest,
	new_key,
	refusal,
)

NOW = datetime(2027, 1, 31, 23, 45)


def test_keys_are_random_and_only_their_hash_is_kept():
	keys = {new_key() for _ in range(100)}
	assert len(keys) == 100 and all(len(k) >= 43 for k in keys)
	key = keys.pop()
	assert digest(key) == digest(key) and digest(key) != key and len(digest(key)) == 64
	assert digest(key) != digest(key + "x")


def test_a_key_works_once_within_twelve_hours():
	assert ACTIVATION_TTL == timedelta(hours=12)
	expires = NOW + ACTIVATION_TTL
	assert refusal(True, None, expires, NOW) is None
	assert refusal(True, None, expires, expires) is None  # up to the last second
	assert refusal(True, None, expires, expires + timedelta(seconds=1)) == EXPIRED
	assert refusal(True, NOW, expires, NOW) == USED
	assert refusal(False, None, expires, NOW) == INVALID
	assert refusal(True, None, None, NOW) == EXPIRED
