from datetime import datetime, timedelta, timezone

from medic_plus.core import video

START = datetime(2026, 3, 4, 9, 0, tzinfo=timezone.utc)


def test_a_room_is_the_appointments_unguessable_name():
	room = video.room_name("site-secret", "HLC-APP-2026-00001", START)
	assert room == video.room_name("site-secret", "HLC-APP-2026-00001", START.replace(tzinfo=None))
	assert room != video.room_name("site-secret", "HLC-APP-2026-00002", START)
	assert room != video.room_name("other-secret", "HLC-APP-2026-00001", START)
	assert room.startswith("mp-") and "HLC" not in room and len(room) == 35


def test_a_moved_visit_gets_another_room():
	moved = START + timedelta(days=1)
	assert video.room_name("s", "HLC-APP-2026-00001", moved) != video.room_name(
		"s", "HLC-APP-2026-00001", START
	)


def test_a_token_never_outlives_the_door():
	assert video.token_life(START, 20, START - timedelta(minutes=10)) == timedelta(minutes=60)
	assert video.token_life(START, 180, START) == video.TOKEN_LIFE
	assert video.token_life(START, 20, START + timedelta(minutes=40)) == timedelta(minutes=10)
	assert video.token_life(START, 20, START + timedelta(hours=3)) == timedelta(0)


def test_only_an_https_server_is_taken():
	assert video.clean_server(" https://meet.example.org/ ") == "https://meet.example.org"
	assert video.clean_server("https://example.org/jitsi") == "https://example.org/jitsi"
	assert video.clean_server("http://127.0.0.1:8443") == "http://127.0.0.1:8443"
	assert video.clean_server("") is None
	for bad in (
		"http://meet.example.org",
		"ftp://x",
		"meet.example.org",
		"https://u:p@x.org",
		"https://x.org/?a=1",
	):
		try:
			video.clean_server(bad)
		except ValueError:
			continue
		raise AssertionError(bad)


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


def test_a_video_visits_calendar_event_carries_its_join_page():
	from medic_plus.core import ics

	event = ics.event(
		uid="HLC-APP-1@site",
		start_local=datetime(2026, 3, 4, 11, 0),
		duration_minutes=20,
		tz="Africa/Johannesburg",
		summary="Video visit",
		description="Join: https://clinic.example.org/visit?token=abc",
		url="https://clinic.example.org/visit?token=abc",
	)
	assert "\r\nURL:https://clinic.example.org/visit?token=abc\r\n" in event
	assert "DTSTART:20260304T090000Z" in event
	assert "URL:" not in ics.event("u", datetime(2026, 3, 4, 11, 0), 20, "UTC", "In person")
