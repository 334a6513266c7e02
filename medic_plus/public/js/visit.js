// Medic Plus: a patient's video visit (/visit), from the link in the confirmation.
(function () {
	"use strict";
	const boot = JSON.parse(document.getElementById("mp-boot").textContent);
	const $ = (id) => document.getElementById(id);
	const __ = window.__ || ((s) => s);
	const call = (method, args, post) =>
		window.medic_plus_booking.call("medic_plus.api.video." + method, args, post);
	const fmt = (text, values) => values.reduce((t, v, i) => t.replace(`{${i}}`, v), text);
	let timer = null;

	function later(fn, seconds) {
		clearTimeout(timer);
		timer = setTimeout(fn, seconds * 1000);
	}

	function only(id) {
		["mp-consent", "mp-waiting", "mp-state"].forEach((x) => ($(x).hidden = x !== id));
	}

	function say(text) {
		only("mp-state");
		$("mp-state").textContent = text;
	}

	function show(v) {
		$("mp-practice").textContent = v.practice_name;
		$("mp-subtitle").textContent = __("Video visit");
		if (v.brand_color) document.documentElement.style.setProperty("--mp-brand", v.brand_color);
		if (v.logo) {
			$("mp-logo").src = v.logo;
			$("mp-logo").hidden = false;
		}
		window.medic_plus_booking.fill_list($("mp-details"), [
			[__("Doctor"), v.practitioner_name],
			[__("Date"), v.appointment_date],
			[__("Time"), `${v.appointment_time} (${v.timezone})`],
			[__("Duration"), `${v.duration} ${__("minutes")}`],
		]);
		$("mp-details").hidden = false;
		$("mp-loading").hidden = true;
		$("mp-card").setAttribute("aria-busy", "false");
		if (v.state === "cancelled") return say(__("This video visit was cancelled."));
		if (v.state === "closed") return say(__("This video visit is over."));
		if (v.state === "awaiting") {
			say(__("The practice has not confirmed this visit yet."));
			return later(load, 60);
		}
		if (!v.consent_given) {
			only("mp-consent");
			return;
		}
		if (v.state === "early") {
			say(
				fmt(__("The visit opens at {0} ({1}). This page lets you in then."), [
					v.opens_at,
					v.timezone,
				]),
			);
			return later(load, 30);
		}
		only("mp-waiting");
		$("mp-waiting-text").textContent = fmt(__("{0} will be with you shortly."), [
			v.practitioner_name,
		]);
		wait();
	}

	async function wait() {
		try {
			const r = await call("join", { token: boot.token });
			if (r.waiting) return later(wait, r.retry_after || 5);
			enter(r.url);
		} catch (e) {
			if (e.status === 409 || e.status === 404) return load();
			later(wait, 10);
		}
	}

	function enter(url) {
		clearTimeout(timer);
		only(null);
		$("mp-frame").src = url;
		$("mp-room").hidden = false;
		$("mp-frame").focus();
	}

	const fail = window.medic_plus_booking.fail;

	async function load() {
		try {
			show(await call("get_visit", { token: boot.token }));
		} catch (e) {
			fail(e);
		}
	}

	$("mp-consent").addEventListener("submit", async (e) => {
		e.preventDefault();
		const btn = $("mp-consent-btn");
		btn.disabled = true;
		try {
			show(await call("give_consent", { token: boot.token }, true));
		} catch (err) {
			fail(err);
		} finally {
			btn.disabled = false;
		}
	});

	load();
})();
