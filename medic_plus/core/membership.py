"""Practice membership rules: which Frappe roles a user's memberships need.

Pure: the Frappe side feeds plain tuples in and applies the answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ADMIN, DOCTOR, RECEPTIONIST = "Admin", "Doctor", "Receptionist"
MEMBER_ROLES = (ADMIN, DOCTOR, RECEPTIONIST)

# Membership role -> the Frappe role it grants.
FRAPPE_ROLE = {
	ADMIN: "Practice Admin",
	DOCTOR: "Practice Doctor",
	RECEPTIONIST: "Practice Receptionist",
}
PRACTICE_ROLES = frozenset(FRAPPE_ROLE.values())

# Users who see every practice.
PLATFORM_ADMIN_ROLES = frozenset({"System Manager", "Healthcare Administrator"})


@dataclass(frozen=True)
class Membership:
	practice: str
	role: str
	is_active: bool = True


def is_platform_admin(user: str, roles: Iterable[str]) -> bool:
	return user == "Administrator" or bool(PLATFORM_ADMIN_ROLES.intersection(roles))


def needed_roles(memberships: Iterable[Membership]) -> set[str]:
	"""The Frappe roles the user's active memberships need."""
	return {FRAPPE_ROLE[m.role] for m in memberships if m.is_active and m.role in FRAPPE_ROLE}


def role_changes(
	current_roles: Iterable[str], memberships: Iterable[Membership]
) -> tuple[set[str], set[str]]:
	"""(roles to add, roles to remove) so that the user's practice roles match their memberships.

	Only practice roles are ever touched: a role such as System Manager stays as it is.
	"""
	current = set(current_roles) & PRACTICE_ROLES
	needed = needed_roles(memberships)
	return needed - current, current - needed


def practices_with_role(memberships: Iterable[Membership], roles: Iterable[str]) -> list[str]:
	"""The active practices in which the user holds one of ``roles`` (membership roles), sorted."""
	wanted = set(roles)
	return sorted({m.practice for m in memberships if m.is_active and m.role in wanted})


def choose_active_practice(stored: str | None, memberships: Iterable[Membership]) -> str | None:
	"""The practice new records go to: the stored choice while it is still an active
	membership, else the first active membership (memberships come oldest first)."""
	active = [m.practice for m in memberships if m.is_active]
	if stored and stored in active:
		return stored
	return active[0] if active else None
