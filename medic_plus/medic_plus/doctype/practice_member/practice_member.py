# Copyright (c) 2026, medic_plus contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from medic_plus.core.membership import ADMIN, DOCTOR, Membership, role_changes
from medic_plus.onboarding.plans import PlanLimitError, plan_of
from medic_plus.tenancy import context
from medic_plus.tenancy.desk import apply_module_profile

NOT_MEMBER_USERS = ("Administrator", "Guest")


class PracticeMemberError(frappe.ValidationError):
	pass


class PracticeMember(Document):
	def validate(self):
		self.validate_user()
		self.validate_unique_membership()
		self.validate_practitioner()
		self.validate_plan_limit()
		self.validate_keeps_an_admin()

	def validate_plan_limit(self):
		"""A member who sees patients counts against the practice's plan."""
		from medic_plus.core.provisioning import practitioners_allowed

		before = self.get_doc_before_save()
		counted_before = bool(before and before.practitioner and before.is_active)
		if not (self.practitioner and self.is_active) or counted_before:
			return
		plan = plan_of(self.practice)
		others = frappe.db.count(
			"Practice Member",
			{
				"practice": self.practice,
				"is_active": 1,
				"practitioner": ("is", "set"),
				"name": ("!=", self.name or ""),
			},
		)
		if plan and not practitioners_allowed(plan, others):
			frappe.throw(
				_(
					"The {0} plan includes {1} practitioners, and the practice has them. Change the plan to add another."
				).format(_(plan.name), plan.max_practitioners),
				PlanLimitError,
				title=_("Plan Limit"),
			)

	def validate_user(self):
		if self.user in NOT_MEMBER_USERS:
			frappe.throw(_("{0} cannot be a practice member.").format(self.user), PracticeMemberError)
		if self.is_active and not frappe.db.get_value("User", self.user, "enabled"):
			frappe.throw(_("User {0} is disabled.").format(frappe.bold(self.user)), PracticeMemberError)

	def validate_unique_membership(self):
		if frappe.db.exists(
			"Practice Member", {"practice": self.practice, "user": self.user, "name": ("!=", self.name)}
		):
			frappe.throw(
				_("{0} is already a member of this practice.").format(frappe.bold(self.user)),
				frappe.DuplicateEntryError,
			)

	def validate_practitioner(self):
		"""A Doctor is linked to their practitioner record; an Admin may be (a doctor who
		runs the practice and sees patients); a Receptionist is not."""
		if self.role not in (DOCTOR, ADMIN):
			self.practitioner = None
			return
		if not self.practitioner:
			if self.role == DOCTOR:
				frappe.throw(
					_("A Doctor must be linked to a Healthcare Practitioner."), frappe.MandatoryError
				)
			return
		if not context.sees_everything() and not frappe.has_permission(
			"Healthcare Practitioner", "read", doc=self.practitioner
		):
			# a practice admin links the practitioners they may see (their own, or ones they
			# created), never another practice's by guessing its name
			frappe.throw(
				_("Could not find {0}").format(f"{_('Healthcare Practitioner')}: {self.practitioner}"),
				frappe.LinkValidationError,
			)
		linked_user = frappe.db.get_value("Healthcare Practitioner", self.practitioner, "user_id")
		if linked_user and linked_user != self.user:
			frappe.throw(
				_("Healthcare Practitioner {0} belongs to another user.").format(
					frappe.bold(self.practitioner)
				),
				PracticeMemberError,
			)
		if frappe.db.exists(
			"Practice Member",
			{"practice": self.practice, "practitioner": self.practitioner, "name": ("!=", self.name)},
		):
			frappe.throw(
				_("Healthcare Practitioner {0} is already a member of this practice.").format(
					frappe.bold(self.practitioner)
				),
				frappe.DuplicateEntryError,
			)

	def validate_keeps_an_admin(self):
		"""A practice admin cannot leave their practice without an active admin."""
		before = self.get_doc_before_save()
		was_admin = before and before.role == ADMIN and before.is_active
		if not was_admin or (self.role == ADMIN and self.is_active) or context.sees_everything():
			return
		if not _other_active_admins(self.practice, self.name):
			frappe.throw(_("A practice needs at least one active Admin."), PracticeMemberError)

	def on_update(self):
		if self.practitioner and not frappe.db.get_value(
			"Healthcare Practitioner", self.practitioner, "user_id"
		):
			frappe.db.set_value("Healthcare Practitioner", self.practitioner, "user_id", self.user)
		sync_user_roles(self.user)
		# a new invoice of theirs starts in the practice's books, from the first call (an API
		# client never boots the Desk, which keeps this default too)
		context.keep_books_default(self.user)

	def on_trash(self):
		if self.role == ADMIN and self.is_active and not context.sees_everything():
			if not _other_active_admins(self.practice, self.name):
				frappe.throw(_("A practice needs at least one active Admin."), PracticeMemberError)

	def after_delete(self):
		sync_user_roles(self.user)


def _other_active_admins(practice: str, exclude: str) -> int:
	return frappe.db.count(
		"Practice Member",
		{"practice": practice, "role": ADMIN, "is_active": 1, "name": ("!=", exclude)},
	)


def sync_user_roles(user: str) -> None:
	"""Give the user the practice roles their active memberships need, and take back
	those no active membership needs any more; the same for the practice's Desk."""
	context.clear_membership_cache(user)
	if not frappe.db.exists("User", user):
		return
	memberships = [
		Membership(m.practice, m.role, bool(m.is_active))
		for m in frappe.get_all(
			"Practice Member", filters={"user": user}, fields=["practice", "role", "is_active"]
		)
	]
	user_doc = frappe.get_doc("User", user)
	add, remove = role_changes([r.role for r in user_doc.roles], memberships)
	for row in list(user_doc.roles):
		if row.role in remove:
			user_doc.roles.remove(row)
	user_doc.append_roles(*sorted(add))
	# and the Desk of a practice user: the practice's workspaces (tenancy/desk.py)
	if not (apply_module_profile(user_doc, memberships) or add or remove):
		return
	user_doc.flags.ignore_permissions = True
	user_doc.save()


def on_doctype_update():
	frappe.db.add_unique("Practice Member", ["practice", "user"], constraint_name="unique_practice_user")
