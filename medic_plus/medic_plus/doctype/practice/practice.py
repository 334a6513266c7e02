# Copyright (c) 2026, medic_plus contributors
# For license information, please see license.txt

from zoneinfo import available_timezones

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import get_system_timezone

from medic_plus.billing.fields import clean_fields
from medic_plus.clinical.letterhead import BRANDING_FIELDS, sync_letter_head
from medic_plus.core import claims, phone, rules
from medic_plus.onboarding import plans


class PracticeValidationError(frappe.ValidationError):
	pass


class Practice(Document):
	def validate(self):
		self.validate_slug()
		self.validate_short_code()
		self.validate_brand_color()
		self.validate_timezone()
		self.validate_booking_settings()
		self.validate_plan()
		self.validate_letter_head()
		self.validate_books()
		self.validate_video()

	def validate_video(self):
		"""A well-formed Jitsi server; a video visit type offered only with a server to hold
		its rooms (the practice's own, else the platform's)."""
		from medic_plus.booking import video

		video.check_server_fields(self)
		if self.video_server_url:
			return
		for row in self.appointment_types:
			if video.is_video(row.appointment_type):
				video.require_server(None, row.appointment_type)  # the platform's

	def validate_plan(self):
		"""Online booking only on a plan that includes it: switching it on under another plan
		is refused with the plan's name; a practice that comes to such a plan has it off."""
		plan = plans.get_plan(self.subscription_plan)
		if not (self.allow_online_booking and plans.lacks(plan, "online_booking")):
			return
		if not self.is_new() and self.has_value_changed("allow_online_booking"):
			frappe.throw(plans.refusal(plan, "online_booking"), plans.PlanLimitError, title=_("Plan Limit"))
		self.allow_online_booking = 0
		frappe.msgprint(
			_("Online booking is off: {0}").format(plans.refusal(plan, "online_booking")), alert=True
		)

	def validate_books(self):
		"""The practice number, VAT number and bank details its invoices and claims carry:
		each well-formed, or refused with its reason."""
		cleaners = {
			"practice_number": claims.clean_practice_number,
			"vat_number": claims.clean_vat_number,
			"bank_account_number": claims.clean_bank_account,
			"bank_branch_code": claims.clean_branch_code,
		}
		clean_fields(self, cleaners, PracticeValidationError, optional=cleaners)
		if self.vat_number:
			vat_rate = {"vat_rate": lambda rate: float(claims.clean_vat_rate(rate))}
			clean_fields(self, vat_rate, PracticeValidationError)
		if self.practice_number:
			self._validate_unique("practice_number", _("Practice Number"))

	def validate_letter_head(self):
		"""A practice prints on its own letter head (or one of the site's), never on
		another practice's: that one answers as a letter head that does not exist."""
		if not self.letter_head:
			return
		owner = frappe.db.get_value(
			"Practice", {"letter_head": self.letter_head, "name": ("!=", self.name)}, "name"
		)
		if owner:
			frappe.throw(
				_("Could not find {0}").format(f"{_('Letter Head')}: {self.letter_head}"),
				frappe.LinkValidationError,
			)

	def after_insert(self):
		# every practice keeps its own books (billing/books.py)
		from medic_plus.billing.books import ensure_own_company

		ensure_own_company(self)

	def on_update(self):
		self.sync_letter_head()
		if any(self.has_value_changed(f) for f in ("company", "vat_number", "vat_rate")):
			# a practice registered for VAT charges it on its invoices (billing/books.py)
			from medic_plus.billing.books import sync_vat

			sync_vat(self)

	def sync_letter_head(self):
		"""Keep the practice's Letter Head in step with its branding."""
		changed = self.is_new() or any(self.has_value_changed(f) for f in BRANDING_FIELDS)
		if changed or not self.letter_head or not frappe.db.exists("Letter Head", self.letter_head):
			self.db_set("letter_head", sync_letter_head(self), update_modified=False)
		self.letter_head_for_books()

	def letter_head_for_books(self):
		"""The practice's own books print on its letter head (its invoices, receipts and
		statements); the platform's company keeps its own."""
		from medic_plus.billing.books import has_own_company

		if self.letter_head and has_own_company(self):
			if frappe.db.get_value("Company", self.company, "default_letter_head") != self.letter_head:
				frappe.db.set_value("Company", self.company, "default_letter_head", self.letter_head)

	def validate_slug(self):
		self.slug = rules.normalise_slug(self.slug) or rules.slugify(self.practice_name)
		if error := rules.slug_error(self.slug):
			frappe.throw(_(error), PracticeValidationError, title=_("Invalid Slug"))
		self._validate_unique("slug", _("Slug"))

	def validate_short_code(self):
		self.short_code = (self.short_code or "").strip().upper()
		if error := rules.short_code_error(self.short_code):
			frappe.throw(_(error), PracticeValidationError, title=_("Invalid Short Code"))
		self._validate_unique("short_code", _("Short Code"))

	def validate_brand_color(self):
		if error := rules.brand_color_error(self.brand_color):
			frappe.throw(_(error), PracticeValidationError, title=_("Invalid Colour"))
		if self.brand_color:
			self.brand_color = self.brand_color.upper()

	def validate_timezone(self):
		self.timezone = self.timezone or get_system_timezone()
		if error := rules.timezone_error(self.timezone, _known_timezones()):
			frappe.throw(
				_(error) + f": {self.timezone}", PracticeValidationError, title=_("Invalid Time Zone")
			)

	def validate_booking_settings(self):
		for _field, label, low, high in rules.booking_settings_errors(
			self.default_duration,
			self.buffer_minutes,
			self.min_notice_minutes,
			self.max_days_ahead,
			self.cancel_cutoff_minutes,
		):
			frappe.throw(
				_("{0} must be between {1} and {2}.").format(_(label), low, high),
				PracticeValidationError,
				title=_("Invalid Booking Settings"),
			)
		self.max_open_bookings = self.max_open_bookings or 2
		if not 1 <= self.max_open_bookings <= 50:
			frappe.throw(
				_("{0} must be between {1} and {2}.").format(_("Open Online Bookings per Person"), 1, 50),
				PracticeValidationError,
				title=_("Invalid Booking Settings"),
			)
		self.validate_sms_countries()

	def validate_sms_countries(self):
		if not (self.sms_countries or "").strip():
			self.sms_countries = None
			return
		written = [c.strip().upper() for c in self.sms_countries.replace(";", ",").split(",") if c.strip()]
		known = phone.regions(written)
		if unknown := [c for c in written if c not in known]:
			frappe.throw(
				_("Unknown country code: {0}. Use two-letter codes such as ZA, DE or GB.").format(
					", ".join(unknown)
				),
				PracticeValidationError,
				title=_("Invalid SMS Countries"),
			)
		self.sms_countries = ", ".join(known)

	def _validate_unique(self, fieldname: str, label: str):
		value = self.get(fieldname)
		if frappe.db.exists("Practice", {fieldname: value, "name": ("!=", self.name)}):
			frappe.throw(
				_("{0} {1} is already taken by another practice.").format(label, frappe.bold(value)),
				frappe.DuplicateEntryError,
				title=_("Already Taken"),
			)


def _known_timezones() -> set[str]:
	return available_timezones() | {"UTC"}
