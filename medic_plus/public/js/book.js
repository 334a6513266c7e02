// Medic Plus public booking page: /book?practice=<slug>
(function () {
	"use strict";
	const boot = JSON.parse(document.getElementById("mp-boot").textContent);
	const $ = (id) => document.getElementById(id);
	const __ = window.__ || ((s) => s);
	const state = { doctor: null, month: null, days: {}, date: null, slot: null, result: null };
	const types = boot.appointment_types || [];

	const call = window.medic_plus_booking.call;

	function showError(message) {
		const box = $("mp-error");
		box.textContent = message || "";
		box.hidden = !message;
		if (message) box.focus && box.scrollIntoView({ block: "nearest" });
	}

	function busy(button, on, label) {
		if (!button) return;
		if (on) {
			button.dataset.label = button.textContent;
			button.textContent = label || __("Please wait…");
		} else if (button.dataset.label) {
			button.textContent = button.dataset.label;
		}
		button.disabled = on;
		button.setAttribute("aria-busy", on ? "true" : "false");
	}

	function goto(step) {
		[1, 2, 3].forEach((n) => {
			$("mp-step-" + n).hidden = n !== step;
			const li = document.querySelector(`.mp-steps li[data-step="${n}"]`);
			if (n === step) li.setAttribute("aria-current", "step");
			else li.removeAttribute("aria-current");
		});
		showError("");
		const heading = $("mp-step-" + step).querySelector("h2");
		heading.setAttribute("tabindex", "-1");
		heading.focus();
	}

	// ---- dates ----------------------------------------------------------------------
	const pad = (n) => String(n).padStart(2, "0");
	const iso = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
	const parseIso = (s) => {
		const [y, m, d] = s.split("-").map(Number);
		return new Date(y, m - 1, d);
	};
	const longDate = (s) =>
		parseIso(s).toLocaleDateString(document.documentElement.lang || undefined, {
			weekday: "long",
			day: "numeric",
			month: "long",
			year: "numeric",
		});

	// ---- step 1: reason, doctor, day, time ------------------------------------------
	function chosenType() {
		const input = document.querySelector('input[name="appointment_type"]:checked');
		return types.find((t) => input && t.appointment_type === input.value) || types[0] || null;
	}

	function monthDays(first) {
		// the bookable part of the month that starts at ``first``: [from, to] or null
		const last = new Date(first.getFullYear(), first.getMonth() + 1, 0);
		const today = new Date();
		today.setHours(0, 0, 0, 0);
		const horizon = new Date(today);
		horizon.setDate(horizon.getDate() + (boot.max_days_ahead || 0));
		const from = first < today ? today : first;
		const to = last > horizon ? horizon : last;
		return from <= to ? [from, to] : null;
	}

	function fetchDays(from, to) {
		const type = chosenType();
		const args = {
			practice: boot.slug,
			practitioner: state.doctor.practitioner,
			from_date: iso(from),
			to_date: iso(to),
		};
		if (type) args.appointment_type = type.appointment_type;
		return call("get_availability", args).then((data) => data.days);
	}

	// the earliest free time from this month on, within the booking horizon
	async function nextFree(button) {
		busy(button, true, __("Looking…"));
		$("mp-next-free-none").hidden = true;
		const today = new Date();
		let month = new Date(today.getFullYear(), today.getMonth(), 1);
		try {
			for (let range = monthDays(month); range; range = monthDays(month)) {
				const days = await fetchDays(...range);
				const first = Object.keys(days).find((k) => days[k].length);
				if (first) {
					state.month = month;
					await renderMonth();
					chooseDate(first);
					return;
				}
				month = new Date(month.getFullYear(), month.getMonth() + 1, 1);
			}
			$("mp-next-free-none").hidden = false;
		} catch (e) {
			showError(e.message);
		} finally {
			busy(button, false);
		}
	}

	async function loadDoctors() {
		const box = $("mp-doctors");
		try {
			const doctors = await call("get_practice_practitioners", { practice: boot.slug });
			$("mp-doctors-loading").remove();
			if (!doctors.length) {
				box.insertAdjacentHTML("beforeend", `<p class="mp-muted"></p>`);
				box.lastElementChild.textContent = __(
					"No doctor takes online bookings at the moment.",
				);
				return;
			}
			doctors.forEach((d, i) => {
				const label = document.createElement("label");
				label.className = "mp-doctor";
				const input = document.createElement("input");
				input.type = "radio";
				input.name = "doctor";
				input.value = d.practitioner;
				input.addEventListener("change", () => chooseDoctor(d));
				const name = document.createElement("span");
				name.className = "mp-doctor-name";
				name.textContent = d.practitioner_name;
				const dept = document.createElement("span");
				dept.className = "mp-muted";
				dept.textContent = d.department || "";
				label.append(input, name, dept);
				box.append(label);
			});
		} catch (e) {
			$("mp-doctors-loading").textContent = e.message;
		}
	}

	function chooseDoctor(d) {
		state.doctor = d;
		state.date = null;
		state.slot = null;
		$("mp-times").hidden = true;
		$("mp-calendar").hidden = false;
		const today = new Date();
		state.month = new Date(today.getFullYear(), today.getMonth(), 1);
		renderMonth();
	}

	async function renderMonth() {
		const first = state.month;
		const last = new Date(first.getFullYear(), first.getMonth() + 1, 0);
		const today = new Date();
		today.setHours(0, 0, 0, 0);
		const horizon = new Date(today);
		horizon.setDate(horizon.getDate() + (boot.max_days_ahead || 0));
		const range = monthDays(first);
		$("mp-month").textContent = first.toLocaleDateString(
			document.documentElement.lang || undefined,
			{
				month: "long",
				year: "numeric",
			},
		);
		$("mp-prev").disabled = first <= new Date(today.getFullYear(), today.getMonth(), 1);
		$("mp-next").disabled = last >= horizon;

		const grid = $("mp-grid");
		grid.innerHTML = "";
		grid.setAttribute("aria-busy", "true");
		const ticket = (state.asked = (state.asked || 0) + 1);
		let days = {};
		if (range) {
			try {
				days = await fetchDays(...range);
			} catch (e) {
				showError(e.message);
			}
		}
		if (ticket !== state.asked) return; // a newer month or type was asked for meanwhile
		state.days = days;
		grid.innerHTML = "";
		grid.setAttribute("aria-busy", "false");
		const lead = (first.getDay() + 6) % 7; // weeks start on Monday
		for (let i = 0; i < 7; i++) {
			const h = document.createElement("span");
			h.className = "mp-wd";
			h.setAttribute("aria-hidden", "true");
			h.textContent = new Date(2024, 0, 1 + i).toLocaleDateString(
				document.documentElement.lang || undefined,
				{
					weekday: "narrow",
				},
			);
			grid.append(h);
		}
		for (let i = 0; i < lead; i++) grid.append(document.createElement("span"));
		for (let day = 1; day <= last.getDate(); day++) {
			const d = new Date(first.getFullYear(), first.getMonth(), day);
			const key = iso(d);
			const btn = document.createElement("button");
			btn.type = "button";
			btn.className = "mp-day";
			btn.textContent = day;
			const free = (state.days[key] || []).length;
			btn.disabled = !free;
			btn.setAttribute(
				"aria-label",
				longDate(key) +
					(free ? ` — ${free} ${__("free times")}` : ` — ${__("no free times")}`),
			);
			if (free) btn.classList.add("mp-has");
			if (key === state.date) btn.setAttribute("aria-pressed", "true");
			btn.addEventListener("click", () => chooseDate(key));
			grid.append(btn);
		}
		if (!Object.keys(state.days).length && range) {
			const p = document.createElement("p");
			p.className = "mp-muted mp-empty";
			p.textContent = __("No free times this month.");
			grid.append(p);
		}
	}

	function chooseDate(key) {
		state.date = key;
		state.slot = null;
		document.querySelectorAll(".mp-day").forEach((b) => b.removeAttribute("aria-pressed"));
		const pressed = [...document.querySelectorAll(".mp-day")].find(
			(b) => b.textContent === String(parseIso(key).getDate()),
		);
		pressed && pressed.setAttribute("aria-pressed", "true");
		$("mp-times").hidden = false;
		$("mp-times-title").textContent = longDate(key);
		const list = $("mp-time-list");
		list.innerHTML = "";
		(state.days[key] || []).forEach((slot) => {
			const btn = document.createElement("button");
			btn.type = "button";
			btn.className = "mp-btn mp-btn-ghost mp-time";
			btn.textContent = slot.time;
			btn.setAttribute("aria-label", `${slot.time}, ${slot.duration} ${__("minutes")}`);
			btn.addEventListener("click", () => chooseSlot(slot));
			list.append(btn);
		});
		list.firstElementChild && list.firstElementChild.focus();
	}

	function chooseSlot(slot) {
		state.slot = slot;
		const type = chosenType();
		$("mp-summary").textContent = [
			type && type.label,
			state.doctor.practitioner_name,
			longDate(state.date),
			`${slot.time} (${boot.timezone})`,
			`${slot.duration} ${__("minutes")}`,
		]
			.filter(Boolean)
			.join(" · ");
		$("mp-details").hidden = false;
		$("mp-verify").hidden = true;
		goto(2);
	}

	// ---- step 2: details and code ---------------------------------------------------
	function details() {
		const f = new FormData($("mp-details"));
		return Object.fromEntries([...f.entries()].map(([k, v]) => [k, String(v).trim()]));
	}

	function checkDetails(d) {
		if (!d.first_name || !d.last_name) return __("Please enter your first and last name.");
		if ((boot.channel !== "SMS" || d.email) && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(d.email))
			return __("Please enter a valid e-mail address.");
		if (boot.channel === "SMS" && !d.mobile) return __("Please enter your mobile number.");
		if (d.medical_aid_scheme && !d.member_number)
			return __("Please enter the membership number from your medical aid card.");
		return "";
	}

	async function sendCode(button) {
		const d = details();
		const problem = checkDetails(d);
		if (problem) return showError(problem);
		busy(button, true, __("Sending…"));
		try {
			const res = await call(
				"request_booking_otp",
				{
					practice: boot.slug,
					email: d.email || null,
					mobile: d.mobile || null,
					form_token: state.formToken || boot.form_token,
					website: d.website || null,
				},
				true,
			);
			state.formToken = res.form_token;
			showError("");
			$("mp-details").hidden = true;
			$("mp-verify").hidden = false;
			$("mp-code-hint").textContent =
				res.channel === "sms"
					? __("We sent a 6-digit code to your mobile. It is valid for 10 minutes.")
					: __("We sent a 6-digit code to your e-mail. It is valid for 10 minutes.");
			$("mp-verify").elements.otp.value = "";
			$("mp-verify").elements.otp.focus();
		} catch (e) {
			showError(e.message);
			// a form token is good for one request: take a fresh one for the next try
			call("get_form_token", { practice: boot.slug }).then(
				(r) => (state.formToken = r.form_token),
				() => {},
			);
		} finally {
			busy(button, false);
		}
	}

	async function book(button) {
		const d = details();
		const code = $("mp-verify").elements.otp.value.trim();
		if (!/^[0-9]{6}$/.test(code)) return showError(__("Please enter the 6-digit code."));
		busy(button, true, __("Booking…"));
		try {
			state.result = await call(
				"verify_and_book",
				{
					practice: boot.slug,
					otp: code,
					practitioner: state.doctor.practitioner,
					appointment_date: state.date,
					appointment_time: state.slot.time,
					appointment_type: chosenType() ? chosenType().appointment_type : null,
					first_name: d.first_name,
					last_name: d.last_name,
					email: d.email || null,
					mobile: d.mobile || null,
					notes: d.notes || null,
					medical_aid_scheme: d.medical_aid_scheme || null,
					member_number: d.medical_aid_scheme ? d.member_number : null,
					dependant_code: d.medical_aid_scheme ? d.dependant_code || "00" : null,
				},
				true,
			);
			showDone();
		} catch (e) {
			if (e.status === 409) {
				goto(1);
				showError(e.message + " " + __("You will need a new code for the new time."));
				renderMonth();
			} else {
				showError(e.message);
			}
		} finally {
			busy(button, false);
		}
	}

	// ---- step 3: confirmation -------------------------------------------------------
	function showDone() {
		const r = state.result;
		$("mp-s3-title").textContent = r.awaiting_approval
			? __("Request received: the practice will confirm it")
			: __("Your appointment is booked");
		const rows = [
			[__("Reference"), r.reference],
			[__("Doctor"), r.practitioner_name],
			[__("Date"), longDate(r.appointment_date)],
			[__("Time"), `${r.appointment_time} (${r.timezone})`],
			[__("Duration"), `${r.duration} ${__("minutes")}`],
		];
		const dl = $("mp-done");
		window.medic_plus_booking.fill_list(dl, rows);
		$("mp-manage").href = r.manage_url;
		if (r.visit_url) {
			$("mp-visit").href = r.visit_url;
			$("mp-visit").hidden = false;
		}
		goto(3);
	}

	function downloadIcs() {
		const r = state.result;
		const [y, m, d] = r.appointment_date.split("-");
		const [hh, mm] = r.appointment_time.split(":");
		const start = `${y}${m}${d}T${hh}${mm}00`;
		const endDate = new Date(+y, +m - 1, +d, +hh, +mm + Number(r.duration));
		const end = `${endDate.getFullYear()}${pad(endDate.getMonth() + 1)}${pad(endDate.getDate())}T${pad(
			endDate.getHours(),
		)}${pad(endDate.getMinutes())}00`;
		const esc = (s) => String(s).replace(/[\\;,]/g, (c) => "\\" + c);
		const ics = [
			"BEGIN:VCALENDAR",
			"VERSION:2.0",
			"PRODID:-//medic_plus//booking//EN",
			"BEGIN:VEVENT",
			`UID:${esc(r.reference)}@medic_plus`,
			`DTSTART;TZID=${r.timezone}:${start}`,
			`DTEND;TZID=${r.timezone}:${end}`,
			`SUMMARY:${esc(boot.practice_name + " — " + r.practitioner_name)}`,
			`DESCRIPTION:${esc(r.reference + " " + (r.visit_url || r.manage_url))}`,
			...(r.visit_url ? [`URL:${r.visit_url}`, `LOCATION:${esc(r.visit_url)}`] : []),
			"END:VEVENT",
			"END:VCALENDAR",
		].join("\r\n");
		const a = document.createElement("a");
		a.href = URL.createObjectURL(new Blob([ics], { type: "text/calendar" }));
		a.download = `${r.reference}.ics`;
		document.body.append(a);
		a.click();
		a.remove();
	}

	// ---- wiring ---------------------------------------------------------------------
	$("mp-prev").addEventListener("click", () => {
		state.month = new Date(state.month.getFullYear(), state.month.getMonth() - 1, 1);
		renderMonth();
	});
	$("mp-next").addEventListener("click", () => {
		state.month = new Date(state.month.getFullYear(), state.month.getMonth() + 1, 1);
		renderMonth();
	});
	$("mp-back-1").addEventListener("click", () => goto(1));
	$("mp-next-free").addEventListener("click", (e) => nextFree(e.currentTarget));
	document.querySelectorAll('input[name="appointment_type"]').forEach((input) =>
		input.addEventListener("change", () => {
			state.date = null;
			state.slot = null;
			$("mp-times").hidden = true;
			if (state.doctor) renderMonth();
		}),
	);
	$("mp-back-2").addEventListener("click", () => {
		$("mp-verify").hidden = true;
		$("mp-details").hidden = false;
		showError("");
		$("mp-details").elements.first_name.focus();
	});
	$("mp-details").addEventListener("submit", (e) => {
		e.preventDefault();
		sendCode($("mp-send"));
	});
	$("mp-resend").addEventListener("click", (e) => sendCode(e.currentTarget));
	$("mp-verify").addEventListener("submit", (e) => {
		e.preventDefault();
		book($("mp-book-btn"));
	});
	$("mp-ics").addEventListener("click", downloadIcs);
	$("mp-error").setAttribute("tabindex", "-1");
	loadDoctors();
})();
