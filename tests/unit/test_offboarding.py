from datetime import datetime, timedelta

import pytest

from medic_plus.core import offboarding as core


def test_the_slug_typed_confirms():
	core.check_confirmation(" Iso-Alpha ", "iso-alpha")
	for typed in (None, "", "iso-alph", "yes"):
		with pytest.raises(core.OffboardingError):
			core.check_confirmation(typed, "iso-alpha")
	with pytest.raises(core.OffboardingError):
		core.check_confirmation("", "")


def test_the_steps_come_in_order():
	assert core.next_step(None, "start") == core.OFFBOARDING
	assert core.next_step(core.OFFBOARDING, "exported") == core.EXPORTED
	assert core.next_step(core.EXPORTED, "erased") == core.ERASED
	for current, step in (
		(None, "erased"),
		(core.OFFBOARDING, "start"),
		(core.ERASED, "start"),
		(None, "exported"),
	):
		with pytest.raises(core.OffboardingError):
			core.next_step(current, step)


def test_erasure_is_due_once_the_copy_is_confirmed_or_the_wait_is_over():
	mailed = datetime(2026, 12, 1, 9, 0)
	assert not core.erasure_due(None, True, 30, mailed)
	assert core.erasure_due(mailed, True, 30, mailed)
	assert not core.erasure_due(mailed, False, 30, mailed + timedelta(days=29))
	assert core.erasure_due(mailed, False, 30, mailed + timedelta(days=30))


def test_the_scan_finds_each_value_folded_and_ignores_short_ones():
	found = core.needles(["Mia  Schulz", "mia@example.org", "ISOA-P00001", "Mia", None, "+27821234567"])
	assert found == {"mia schulz", "mia@example.org", "isoa-p00001", "+27821234567"}
	compiled = core.pattern(found)
	assert core.hits("Seen: MIA SCHULZ (isoa-p00001)", compiled) == ["isoa-p00001", "mia schulz"]
	assert core.hits("Mia Schulze's cousin", compiled) == ["mia schulz"]
	assert core.hits("nothing here", compiled) == []
	assert core.hits(None, compiled) == [] and core.hits("x", None) == []
