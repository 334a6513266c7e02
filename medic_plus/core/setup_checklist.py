"""The new practice's setup checklist on My Practice: what is done is read from the
practice itself, so each item ticks itself. Pure: no Frappe import."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Facts:
	has_logo: bool
	has_colour: bool
	has_schedule: bool
	bookable: bool  # online booking on, and a doctor with a schedule offered
	members: int  # active members


@dataclass(frozen=True)
class Item:
	key: str
	label: str  # English; translated by the caller
	done: bool


def checklist(facts: Facts) -> list[Item]:
	return [
		Item("branding", "Add your logo and colour", facts.has_logo and facts.has_colour),
		Item("schedule", "Set your weekly hours", facts.has_schedule),
		Item("booking_page", "Share your booking page", facts.bookable),
		Item("staff", "Invite your staff", facts.members > 1),
	]


def finished(items: list[Item]) -> bool:
	return all(i.done for i in items)
