"""Who the user is in the tenancy: their memberships, the practices they may see or
change for a doctype, the active practice, and whether they are a platform admin."""

from __future__ import annotations

from contextlib import contextmanager

import frappe

from medic_plus.core.membership import (
	ADMIN,
	FRAPPE_ROLE,
	Membership,
	choose_active_practice,
)
from medic_plus.core.membership import (
	is_platform_admin as _is_platform_admin,
)

ACTIVE_PRACTICE_KEY = "medic_plus_active_practice"

# ptypes that reading covers when a per-practice role is checked
READ_PTYPES = {"read", "select", "print", "email", "report", "export"}


def _memo() -> dict:
	if not hasattr(frappe.local, "medic_plus_memberships"):
		frappe.local.medic_plus_memberships = {}
	return frappe.local.medic_plus_memberships


MEMBERSHIPS_CACHE = "medic_plus:memberships"


def clear_membership_cache(user: str | None = None) -> None:
	"""Forget cached memberships (all users, or one): now, after the commit (so that no
	other request caches the old rows meanwhile) and if the transaction rolls back."""

	def forget():
		memo = _memo()
		if user:
			memo.pop(user, None)
			frappe.cache.hdel(MEMBERSHIPS_CACHE, user)
		else:
			memo.clear()
			frappe.cache.delete_value(MEMBERSHIPS_CACHE)

	forget()
	frappe.db.after_commit.add(forget)
	frappe.db.after_rollback.add(forget)


def get_memberships(user: str | None = None) -> list[Membership]:
	"""The user's active memberships, oldest first (memoised for the request and cached
	per user until a membership of theirs changes)."""
	user = user or frappe.session.user
	memo = _memo()
	if user not in memo:
		rows = frappe.cache.hget(MEMBERSHIPS_CACHE, user)
		if rows is None:
			member = frappe.qb.DocType("Practice Member")
			rows = (
				frappe.qb.from_(member)
				.select(member.practice, member.role)
				.where((member.user == user) & (member.is_active == 1))
				.orderby(member.creation)
				.run()
			)
			rows = [tuple(row) for row in rows]
			frappe.cache.hset(MEMBERSHIPS_CACHE, user, rows)
		memo[user] = [Membership(practice, role) for practice, role in rows]
	return memo[user]


def practice_admins(practice: str) -> list[str]:
	"""The users who are active Admin members of ``practice``."""
	return frappe.get_all(
		"Practice Member", {"practice": practice, "role": ADMIN, "is_active": 1}, pluck="user"
	)


def get_user_practices(user: str | None = None) -> list[str]:
	"""Every practice the user is an active member of, oldest membership first."""
	seen: list[str] = []
	for m in get_memberships(user):
		if m.practice not in seen:
			seen.append(m.practice)
	return seen


def is_platform_admin(user: str | None = None) -> bool:
	user = user or frappe.session.user
	return _is_platform_admin(user, frappe.get_roles(user))


def in_system_scope() -> bool:
	return bool(frappe.flags.medic_plus_system_scope)


@contextmanager
def system_scope():
	"""Run trusted service code (guest booking, scheduler jobs) past the tenant wall.

	Only for code paths that check the practice themselves."""
	previous = frappe.flags.medic_plus_system_scope
	frappe.flags.medic_plus_system_scope = True
	try:
		yield
	finally:
		frappe.flags.medic_plus_system_scope = previous


def sees_everything(user: str | None = None) -> bool:
	return in_system_scope() or is_platform_admin(user)


def is_tenant_user(user: str | None = None) -> bool:
	"""Whether the tenant wall applies to ``user`` in full: a practice user who is no
	platform admin, a system user with a clinical role in no practice, a website user or
	a guest (not a system user in no practice with no clinical role)."""
	user = user or frappe.session.user
	if user == "Guest":
		return True
	if sees_everything(user):
		return False
	if get_user_practices(user) or frappe.get_cached_value("User", user, "user_type") == "Website User":
		return True
	# a clinical role and no practice (a member whose membership ended, a Healthcare role
	# given by hand): walled in like a practice user of no practice, who sees nothing
	return bool(clinical_roles().intersection(frappe.get_roles(user)))


def keeps_books_walled(user: str | None = None) -> bool:
	"""Whether a practice's books are walled for ``user``: a tenant user (a practice user, a
	website user, a guest) outside trusted service code. The platform's own accountants, in
	no practice, keep every company's books."""
	return not sees_everything(user) and is_tenant_user(user)


CLINICAL_ROLES_CACHE = "medic_plus:clinical_roles"


def clinical_roles() -> frozenset[str]:
	"""The roles, other than the platform's, that may read a practice's records by the
	site's role permissions."""
	if not hasattr(frappe.local, "medic_plus_clinical_roles"):
		frappe.local.medic_plus_clinical_roles = {}
	memo = frappe.local.medic_plus_clinical_roles
	if "roles" not in memo:
		roles = frappe.cache.get_value(CLINICAL_ROLES_CACHE)
		if roles is None:
			from medic_plus.core.membership import PLATFORM_ADMIN_ROLES
			from medic_plus.tenancy.scope import PRACTICE_DOCTYPES

			found = set()
			for perm in ("DocPerm", "Custom DocPerm"):
				found.update(
					frappe.get_all(
						perm,
						{"parent": ("in", PRACTICE_DOCTYPES), "read": 1, "permlevel": 0},
						pluck="role",
					)
				)
			roles = sorted(found - PLATFORM_ADMIN_ROLES)
			frappe.cache.set_value(CLINICAL_ROLES_CACHE, roles, expires_in_sec=600)
		memo["roles"] = frozenset(roles)
	return memo["roles"]


def role_allows(doctype: str, frappe_role: str, ptype: str) -> bool:
	"""Whether ``frappe_role`` has ``ptype`` on ``doctype`` by the site's role permissions."""
	meta = frappe.get_meta(doctype)
	if meta.istable:
		return True  # child rows follow their parent, checked through it
	wanted = ("read", "select") if ptype == "select" else (ptype,)
	for perm in meta.permissions:
		if perm.role == frappe_role and not perm.permlevel and not perm.if_owner:
			if any(perm.get(p) for p in wanted):
				return True
	return False


def practices_for(doctype: str, ptype: str = "read", user: str | None = None) -> list[str]:
	"""The practices in which the user's membership role grants ``ptype`` on ``doctype``.

	A user who is a doctor in one practice and a receptionist in another reads encounters
	of the first only: roles are judged practice by practice, not as a union."""
	out: list[str] = []
	for m in get_memberships(user):
		if m.practice in out:
			continue
		if role_allows(doctype, FRAPPE_ROLE.get(m.role, ""), ptype):
			out.append(m.practice)
	return out


def holds_role(practice: str | None, roles: tuple[str, ...], user: str | None = None) -> bool:
	"""Whether the user's active membership of ``practice`` has one of the membership ``roles``."""
	return any(m.practice == practice and m.role in roles for m in get_memberships(user))


def is_member(practice: str | None, user: str | None = None) -> bool:
	return bool(practice) and practice in get_user_practices(user)


def get_active_practice(user: str | None = None) -> str | None:
	"""The practice that new records of the user go to."""
	user = user or frappe.session.user
	stored = frappe.defaults.get_user_default(ACTIVE_PRACTICE_KEY, user)
	return choose_active_practice(stored, get_memberships(user))


def set_active_practice(practice: str, user: str | None = None) -> None:
	"""Store the user's choice. Frappe clears the cached defaults when it writes them, but
	another request of the user's may cache the committed (old) ones before this one
	commits: so the books follow ``practice`` itself, not a read of the defaults, and the
	cache is cleared again after the commit."""
	user = user or frappe.session.user
	frappe.defaults.set_user_default(ACTIVE_PRACTICE_KEY, practice, user)
	keep_books_default(user, practice)
	frappe.db.after_commit.add(lambda: frappe.cache.hdel("defaults", user))


def keep_books_default(user: str | None = None, practice: str | None = None) -> str | None:
	"""The user's default company (ERPNext's session default, which a new invoice,
	payment or credit note takes) is the books of the active practice (``practice`` when
	the caller has just chosen it): a practice user's new record of the books starts in its
	own company, never the platform's. Returns that company (None without an active
	practice)."""
	user = user or frappe.session.user
	practice = practice or get_active_practice(user)
	company = practice and frappe.db.get_value("Practice", practice, "company")
	if company and frappe.defaults.get_user_default("company", user) != company:
		frappe.defaults.set_user_default("company", company, user)
	return company or None
