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
				new Date(b.appointment_date + "T00:00:00").toLocaleDateString(undefined, {
					weekday: "long",
					day: "numeric",
					month: "long",
					year: "numeric",
				}),
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
		const note = $("mp-note");
		note.hidden = b.can_cancel;
		note.textContent =
			b.status === "Cancelled"
				? __("This appointment is cancelled.")
				: __(
						"This appointment can no longer be cancelled online. Please call the practice.",
					);
	}

	function fail(e) {
		$("mp-loading").hidden = true;
		$("mp-card").setAttribute("aria-busy", "false");
		$("mp-error").textContent = e.message;
		$("mp-error").hidden = false;
		$("mp-error").focus();
	}

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

	call("get_booking", { token: boot.token }).then(show, fail);
})();
