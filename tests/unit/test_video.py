from datetime import datetime, timedelta, timezone

from medic_plus.core import video

START = datetime(2026, 3, 4, 9, 0, tzinfo=timezone.utc)


def test_a_room_is_the_appointments_unguessable_name():
	room = video.room_name("site-secret", "HLC-APP-2026-00001")
	assert room == video.room_name("site-secret", "HLC-APP-2026-00001")
	assert room != video.room_name("site-secret", "HLC-APP-2026-00002")
	assert room != video.room_name("other-secret", "HLC-APP-2026-00001")
	assert room.startswith("mp-") and "HLC" not in room and len(room) == 35


def test_the_door_opens_a_little_before_and_closes_after_the_visit():
	assert video.door(START, 20, START - timedelta(minutes=11)) == "early"
	assert video.door(START, 20, START - timedelta(minutes=10)) == "open"
	assert video.door(START, 20, START + timedelta(minutes=50)) == "open"
	assert video.door(START, 20, START + timedelta(minutes=51)) == "closed"


def test_a_cancelled_finished_or_past_visits_link_is_dead():
	now = START - timedelta(minutes=5)
	assert video.link_alive("Scheduled", START, 20, now)
	for status in ("Cancelled", "Closed", "Checked Out", "No Show", None):
		assert not video.link_alive(status, START, 20, now)
	assert not video.link_alive("Scheduled", START, 20, START + timedelta(hours=2))


def test_the_token_is_signed_with_the_key_and_expires():
	jwt = video.token(
		"medic-plus", "s3cret", "meet.example.org", "mp-abc", "Mia Schulz", "mia@example.org", False, START
	)
	claims = video.claims_of(jwt, "s3cret", START)
	assert claims["aud"] == "jitsi" and claims["iss"] == "medic-plus" and claims["sub"] == "meet.example.org"
	assert claims["room"] == "mp-abc" and claims["moderator"] is False
	assert claims["context"]["user"] == {"name": "Mia Schulz", "email": "mia@example.org"}
	assert claims["exp"] - claims["nbf"] == int(video.TOKEN_LIFE.total_seconds()) + 60
	assert video.claims_of(jwt, "wrong", START) is None
	assert video.claims_of(jwt, "s3cret", START + video.TOKEN_LIFE + timedelta(seconds=1)) is None
	tampered = jwt.split(".")
	tampered[1] = tampered[1][:-2] + ("AA" if tampered[1][-2:] != "AA" else "BB")
	assert video.claims_of(".".join(tampered), "s3cret", START) is None


def test_the_join_url():
	assert video.join_url("https://meet.example.org/", "mp-abc") == "https://meet.example.org/mp-abc"
	assert (
		video.join_url("https://meet.example.org", "mp-abc", "t.o.k")
		== "https://meet.example.org/mp-abc?jwt=t.o.k"
	)
