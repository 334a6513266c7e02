// Medic Plus: a patient's booking, from the link in the confirmation e-mail.
(function () {
	"use strict";
	const boot = JSON.parse(document.getElementById("mp-boot").textContent);
	const $ = (id) => document.getElementById(id);
	const __ = window.__ || ((s) => s);

	const call = window.medic_plus_booking.call;

	function show(b) {
		$("mp-practice").textContent = b.practice_name;
		$("mp-subtitle").textContent = __("Appointment {0}", [b.reference]).replace(
			"{0}",
			b.reference,
		);
		if (b.brand_color) document.documentElement.style.setProperty("--mp-brand", b.brand_color);
		if (b.logo) {
			$("mp-logo").src = b.logo;
			$("mp-logo").hidden = false;
		}
		const rows = [
			[__("Reference"), b.reference],
			[__("Status"), __(b.status)],
			[__("Doctor"), b.practitioner_name],
			[
				__("Date"),
				new Date(b.appointment_date + "T00:00:00").toLocaleDateString(
					document.documentElement.lang || undefined,
					{
						weekday: "long",
						day: "numeric",
						month: "long",
						year: "numeric",
					},
				),
			],
			[__("Time"), `${b.appointment_time} (${b.timezone})`],
			[__("Duration"), `${b.duration} ${__("minutes")}`],
		];
		const dl = $("mp-details");
		window.medic_plus_booking.fill_list(dl, rows);
		dl.hidden = false;
		$("mp-loading").hidden = true;
		$("mp-card").setAttribute("aria-busy", "false");
		$("mp-cancel").hidden = !b.can_cancel;
		$("mp-change-actions").hidden = !b.can_reschedule;
		$("mp-change").hidden = true;
		const visit = $("mp-visit");
		visit.hidden = !(b.visit_url && b.status !== "Cancelled");
		if (b.visit_url) visit.href = b.visit_url;
		booking = b;
		const note = $("mp-note");
		note.hidden = b.can_cancel;
		note.textContent =
			b.status === "Cancelled"
				? __("This appointment is cancelled.")
				: __(
						"This appointment can no longer be cancelled online. Please call the practice.",
					);
	}

	const fail = window.medic_plus_booking.fail;

	$("mp-cancel").addEventListener("submit", async (e) => {
		e.preventDefault();
		const btn = $("mp-cancel-btn");
		btn.disabled = true;
		btn.textContent = __("Cancelling…");
		try {
			show(
				await call(
					"cancel_booking",
					{ token: boot.token, reason: e.target.elements.reason.value || null },
					true,
				),
			);
		} catch (err) {
			fail(err);
		} finally {
			btn.disabled = false;
			btn.textContent = __("Cancel appointment");
		}
	});

	// ---- moving the booking: a day, its free times, one of them -------------------------
	let booking = null;
	let chosen = null;
	const pad = (n) => String(n).padStart(2, "0");
	const iso = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

	$("mp-change-open").addEventListener("click", () => {
		const today = new Date();
		const last = new Date();
		last.setDate(last.getDate() + (booking.max_days_ahead || 0));
		const day = $("mp-change-day");
		day.min = iso(today);
		day.max = iso(last);
		day.value = booking.appointment_date;
		$("mp-change-tz").textContent = __("Times are in {0}.", [booking.timezone]).replace(
			"{0}",
			booking.timezone,
		);
		$("mp-change").hidden = false;
		$("mp-change-actions").hidden = true;
		loadTimes();
		day.focus();
	});
	$("mp-change-close").addEventListener("click", () => show(booking));
	$("mp-change-day").addEventListener("change", loadTimes);

	let asked = 0; // only the answer to the latest question is shown
	async function loadTimes() {
		const day = $("mp-change-day").value;
		const list = $("mp-change-times");
		const ticket = ++asked;
		list.innerHTML = "";
		chosen = null;
		$("mp-change-btn").disabled = true;
		$("mp-change-none").hidden = true;
		if (!day) return;
		try {
			const data = await call("get_reschedule_times", {
				token: boot.token,
				from_date: day,
				to_date: day,
			});
			if (ticket !== asked) return;
			list.innerHTML = "";
			const slots = data.days[day] || [];
			$("mp-change-none").hidden = slots.length > 0;
			slots.forEach((slot) => {
				const btn = document.createElement("button");
				btn.type = "button";
				btn.className = "mp-btn mp-btn-ghost mp-time";
				btn.textContent = slot.time;
				btn.setAttribute("aria-pressed", "false");
				btn.addEventListener("click", () => {
					list.querySelectorAll("button").forEach((b) =>
						b.setAttribute("aria-pressed", "false"),
					);
					btn.setAttribute("aria-pressed", "true");
					chosen = slot.time;
					$("mp-change-btn").disabled = false;
				});
				list.append(btn);
			});
		} catch (err) {
			fail(err);
		}
	}

	$("mp-change").addEventListener("submit", async (e) => {
		e.preventDefault();
		if (!chosen) return;
		const btn = $("mp-change-btn");
		btn.disabled = true;
		btn.textContent = __("Moving…");
		try {
			show(
				await call(
					"reschedule_booking",
					{
						token: boot.token,
						appointment_date: $("mp-change-day").value,
						appointment_time: chosen,
					},
					true,
				),
			);
			$("mp-note").hidden = false;
			$("mp-note").textContent = __("Your appointment has been moved.");
		} catch (err) {
			fail(err);
			loadTimes();
		} finally {
			btn.textContent = __("Move my appointment");
		}
	});

	call("get_booking", { token: boot.token }).then(show, fail);
})();
