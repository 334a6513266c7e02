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


# The Module Profile that keeps a practice user's Desk to the practice's own workspaces
PRACTICE_MODULE_PROFILE = "Medic Plus Practice"
# ... by blocking every module but these
PRACTICE_MODULES = frozenset({"Medic Plus"})


def module_profile_for(
	user: str, current: str | None, roles: Iterable[str], memberships: Iterable[Membership]
) -> str | None:
	"""The Module Profile the user should have: the practice profile while they are a
	member of an active practice and no platform admin; none once they are neither (only
	the practice profile is ever taken back: a profile set by hand stays)."""
	practice_user = any(m.is_active for m in memberships) and not is_platform_admin(user, roles)
	if practice_user and not current:
		return PRACTICE_MODULE_PROFILE
	if not practice_user and current == PRACTICE_MODULE_PROFILE:
		return None
	return current


def blocked_modules(all_modules: Iterable[str]) -> list[str]:
	"""What the practice profile blocks: every module of the installed apps but the
	practice's own, sorted."""
	return sorted(set(all_modules) - PRACTICE_MODULES)
