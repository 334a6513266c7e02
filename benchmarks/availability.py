"""31 days of availability in one call, against Healthcare's day-by-day
get_availability_data.

One practitioner with a realistic weekly schedule (Monday to Friday, 08:00-12:00 and
13:00-18:00 in 15-minute slots) and 2,000 existing appointments. Times a 31-day
``medic_plus.api.booking.get_availability`` against 31 calls of Healthcare's
``get_availability_data`` (one per day), counts the queries of each, prints the ratio.
Target: at least 10x faster, at most 6 queries per call.

Run by hand on a bench (the data is kept for re-runs; --cleanup removes it):

    cd ~/frappe-bench/sites
    ../env/bin/python ../apps/medic_plus/benchmarks/availability.py --site test_site
"""

from __future__ import annotations

from datetime import datetime, timedelta
from datetime import time as dtime

import frappe
from common import QueryCounter, on_site, timed

SLUG = "bench-avail"
APPOINTMENTS = 2000
PREFIX = "BENCH-AV"


def seed() -> tuple[str, str]:
	from medic_plus import demo

	company = demo.default_company()
	practice = demo.ensure_practice(
		"Bench Availability", SLUG, "BAV01", company=company, max_days_ahead=365, min_notice_minutes=0
	)
	practitioner = demo.ensure_practitioner("Bench Avail Doc")
	user = demo.ensure_user("bench-avail-doc@example.com", "Bench Doc")
	demo.ensure_member(practice, user, "Doctor", practitioner)
	unit = demo.ensure_service_unit("BAV01 Room 1", company)
	demo.ensure_schedule(
		practice,
		practitioner,
		"BAV01 Weekly",
		unit,
		slot_minutes=15,
		hours=((dtime(8), dtime(12)), (dtime(13), dtime(18))),
	)
	appointment_type = demo.ensure_appointment_type()
	patient = demo.ensure_patient(practice, "Bench", "Patient", "bench-avail-patient@example.com")
	existing = frappe.db.count("Patient Appointment", {"name": ("like", f"{PREFIX}-%")})
	if existing < APPOINTMENTS:
		start = frappe.utils.getdate()
		rows, day, i = [], start, 0
		now = frappe.utils.now()
		while i < APPOINTMENTS:
			day += timedelta(days=1)
			if day.weekday() >= 5:
				continue
			for slot in range(0, 36):  # 36 of the 36 quarter hours 08:00-17:00 on busy days
				if i >= APPOINTMENTS:
					break
				if (slot + day.day) % 3 == 0:  # leave a third of the day free
					continue
				at = (datetime.combine(day, dtime(8)) + timedelta(minutes=15 * slot)).time()
				if dtime(12) <= at < dtime(13):
					continue
				rows.append(
					(
						f"{PREFIX}-{i:05d}",
						patient,
						practitioner,
						day,
						at,
						15,
						"Scheduled",
						unit,
						company,
						practice,
						appointment_type,
						"Practitioner",
						now,
						now,
						"Administrator",
						"Administrator",
					)
				)
				i += 1
		fields = [
			"name",
			"patient",
			"practitioner",
			"appointment_date",
			"appointment_time",
			"duration",
			"status",
			"service_unit",
			"company",
			"custom_practice",
			"appointment_type",
			"appointment_for",
			"creation",
			"modified",
			"owner",
			"modified_by",
		]
		frappe.db.bulk_insert("Patient Appointment", fields, rows[existing:], ignore_duplicates=True)
	frappe.db.commit()  # nosemgrep: benchmark data, outside any request
	return practice, practitioner


def cleanup() -> None:
	frappe.db.delete("Patient Appointment", {"name": ("like", f"{PREFIX}-%")})
	frappe.db.commit()  # nosemgrep


def main() -> None:
	on_site(__doc__, 10, cleanup, run)


def run(args) -> None:
	_practice, practitioner = seed()
	from healthcare.healthcare.doctype.patient_appointment.patient_appointment import (
		get_availability_data,
	)

	from medic_plus.api.booking import get_availability
	from medic_plus.booking import calendar_cache

	first = frappe.utils.getdate() + timedelta(days=1)
	days = [first + timedelta(days=i) for i in range(31)]

	def ours():
		return get_availability(SLUG, practitioner, str(days[0]), str(days[-1]))

	def ours_cold():
		# the calendar cache forgets the practitioner's calendar, as after a booking
		calendar_cache.bump("practitioner", practitioner)
		return ours()

	def healthcare():
		out = []
		for day in days:
			try:
				out.append(get_availability_data(day, practitioner, frappe._dict(invoiced=0, __islocal=1)))
			except frappe.ValidationError:  # "not available on Saturday"
				frappe.clear_messages()
		return out

	frappe.set_user("Guest")
	ours_cold()  # warm the metadata and document caches, as on a running site
	with QueryCounter() as ours_q:
		result = ours_cold()
	with QueryCounter() as warm_q:
		ours()
	frappe.set_user("Administrator")
	healthcare()
	with QueryCounter() as hc_q:
		healthcare()
	free = sum(len(v) for v in result["days"].values())
	booked = frappe.db.count(
		"Patient Appointment", {"practitioner": practitioner, "status": ("!=", "Cancelled")}
	)
	print(
		f"appointments of the practitioner: {booked:,}; free slots offered over 31 days: {free:,}; runs: {args.runs}"
	)
	frappe.set_user("Guest")
	cold_t = timed(ours_cold, args.runs)
	warm_t = timed(ours, args.runs)
	frappe.set_user("Administrator")
	hc_t = timed(healthcare, args.runs)
	print(
		f"medic_plus get_availability, computed (cache forgotten before each call): {cold_t * 1000:8.2f} ms, "
		f"{ours_q.count} queries"
	)
	print(
		f"medic_plus get_availability, from the calendar cache:                     {warm_t * 1000:8.2f} ms, "
		f"{warm_q.count} queries"
	)
	print(
		f"healthcare get_availability_data (31 calls):                             {hc_t * 1000:8.2f} ms, {hc_q.count} queries"
	)
	print(
		f"speed-up computed: {hc_t / cold_t:5.1f}x (target >= 10x); cached: {hc_t / warm_t:5.1f}x; "
		f"queries per computed call: {ours_q.count} (target <= 6)"
	)


if __name__ == "__main__":
	main()
