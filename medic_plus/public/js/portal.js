// Medic Plus: the patient portal (/patient): sign in with a code, then each practice's
// record of the patient. Every text goes in as text, never as HTML.
(function () {
	"use strict";
	const boot = JSON.parse(document.getElementById("mp-boot").textContent);
	const $ = (id) => document.getElementById(id);
	const __ = window.__ || ((s) => s);
	const call = window.medic_plus_booking.call;
	const api = "medic_plus.api.portal.";
	let formToken = boot.form_token;
	let person = null;

	function el(tag, attrs, ...children) {
		const node = document.createElement(tag);
		Object.entries(attrs || {}).forEach(([k, v]) => {
			if (k === "text") node.textContent = v;
			else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v);
		});
		children.filter(Boolean).forEach((c) => node.append(c));
		return node;
	}

	function showError(message) {
		const box = $("mp-error");
		box.textContent = message;
		box.hidden = !message;
		if (message) box.focus();
	}

	function when(v) {
		const day = new Date(v.date + "T00:00:00").toLocaleDateString(
			document.documentElement.lang || undefined,
			{ weekday: "short", day: "numeric", month: "long", year: "numeric" },
		);
		return `${day}, ${v.time}`;
	}

	function followUp(v, c, item) {
		const form = el("form", { class: "mp-follow-up" });
		const id = `mp-fu-${v.appointment}`;
		const day = el("input", { type: "date", id, required: "required" });
		const times = el("div", {
			class: "mp-time-list",
			role: "group",
			"aria-label": __("Free times"),
			"aria-live": "polite",
		});
		form.append(
			el("label", {
				for: id,
				text: __("Day for the next visit with {0}", [v.practitioner_name]),
			}),
			day,
			times,
		);
		day.addEventListener("change", async () => {
			times.innerHTML = "";
			if (!day.value) return;
			try {
				const r = await call("get_availability", {
					practice: c.practice.slug,
					practitioner: v.practitioner,
					from_date: day.value,
				});
				const free = (r.days || {})[day.value] || [];
				if (!free.length)
					times.append(
						el("p", {
							class: "mp-muted",
							text: __("No free time on this day. Please choose another day."),
						}),
					);
				free.forEach((slot) => {
					const btn = el("button", {
						type: "button",
						class: "mp-btn mp-btn-ghost mp-time",
						text: slot.time,
					});
					btn.addEventListener("click", async () => {
						btn.disabled = true;
						try {
							const booked = await call(
								api + "book_follow_up",
								{
									visit: v.appointment,
									appointment_date: day.value,
									appointment_time: slot.time,
								},
								true,
							);
							await loadHome();
							$("mp-status").textContent = __("Booked: {0} at {1}", [
								booked.appointment_date,
								booked.appointment_time,
							]);
						} catch (e) {
							btn.disabled = false;
							showError(e.message);
						}
					});
					times.append(btn);
				});
			} catch (e) {
				showError(e.message);
			}
		});
		item.append(form);
		day.focus();
	}

	function visitItem(v, c) {
		const people = c.people;
		const who = people.length > 1 ? people.find((p) => p.patient === v.patient) : null;
		const item = el(
			"li",
			{ class: "mp-visit" },
			el("strong", { text: when(v) }),
			el("span", {
				text: [v.practitioner_name, v.appointment_type && __(v.appointment_type)]
					.filter(Boolean)
					.join(" · "),
			}),
			who ? el("span", { class: "mp-muted", text: __("For {0}", [who.name]) }) : null,
			el("span", { class: "mp-muted", text: __(v.status) }),
		);
		if (c.practice.bookable) {
			const again = el("button", {
				type: "button",
				class: "mp-btn mp-btn-ghost",
				text: __("Book again"),
				"aria-label": `${__("Book again with {0}", [v.practitioner_name])}: ${when(v)}`,
			});
			again.addEventListener("click", () => {
				again.hidden = true;
				followUp(v, c, item);
			});
			item.append(again);
		}
		if (v.video) {
			const join = el("button", {
				type: "button",
				class: "mp-btn",
				text: __("Join the video visit"),
				"aria-label": `${__("Join the video visit")}: ${when(v)}`,
			});
			join.addEventListener("click", async () => {
				join.disabled = true;
				try {
					const r = await call(api + "manage_link", { visit: v.appointment }, true);
					window.location.href = r.visit_url || r.url;
				} catch (e) {
					join.disabled = false;
					showError(e.message);
				}
			});
			item.append(join);
		}
		if (v.can_cancel) {
			const btn = el("button", {
				type: "button",
				class: "mp-btn mp-btn-ghost",
				text: v.can_change ? __("Change or cancel") : __("Cancel"),
				"aria-label": `${v.can_change ? __("Change or cancel") : __("Cancel")}: ${when(v)}`,
			});
			btn.addEventListener("click", async () => {
				btn.disabled = true;
				try {
					const r = await call(api + "manage_link", { visit: v.appointment }, true);
					window.location.href = r.url;
				} catch (e) {
					btn.disabled = false;
					showError(e.message);
				}
			});
			item.append(
				el("span", {
					class: "mp-muted",
					text: __("Changes possible until {0}", [v.change_until]),
				}),
				btn,
			);
		}
		return item;
	}

	function card(c, index) {
		const p = c.practice;
		const title = `mp-practice-${index}`;
		const section = el("section", { class: "mp-card mp-practice", "aria-labelledby": title });
		const head = el("header", { class: "mp-header" });
		if (p.logo) head.append(el("img", { class: "mp-logo", src: p.logo, alt: "" }));
		head.append(el("div", {}, el("h2", { id: title, text: p.practice_name })));
		section.append(head);
		const contact = el("address", { class: "mp-contact" });
		if (p.address) contact.append(el("span", { text: p.address.split("\n").join(", ") }));
		if (p.phone) contact.append(el("a", { href: `tel:${p.phone}`, text: p.phone }));
		if (p.email) contact.append(el("a", { href: `mailto:${p.email}`, text: p.email }));
		if (contact.childNodes.length) section.append(contact);
		const people = el("ul", { class: "mp-people", "aria-label": __("People") });
		c.people.forEach((who) => {
			const item = el(
				"li",
				{},
				el("strong", { text: who.own ? who.name : `${who.name} (${__("your child")})` }),
			);
			const facts = [];
			if (who.allergies.length)
				facts.push(
					__("Allergies: {0}", [
						who.allergies
							.map((a) =>
								a.reaction ? `${a.substance} (${a.reaction})` : a.substance,
							)
							.join(", "),
					]),
				);
			else facts.push(__("No allergies recorded."));
			if (who.medication.length)
				facts.push(__("Taking now: {0}", [who.medication.map((m) => m.name).join(", ")]));
			facts.forEach((text) => item.append(el("span", { class: "mp-muted", text })));
			if (who.account) {
				const money = (amount, currency) =>
					currency
						? new Intl.NumberFormat(document.documentElement.lang || undefined, {
								style: "currency",
								currency,
							}).format(amount)
						: String(amount);
				item.append(
					el("span", {
						text:
							who.account.owed > 0
								? __("To pay: {0}", [
										money(who.account.owed, who.account.currency),
									])
								: __("Nothing to pay."),
					}),
				);
				if (who.account.invoices.length) {
					const details = el("details", {}, el("summary", { text: __("Invoices") }));
					const list = el("ul", { class: "mp-visits" });
					who.account.invoices.forEach((inv) =>
						list.append(
							el(
								"li",
								{},
								el("span", { text: `${inv.date} · ${inv.invoice}` }),
								el("span", { text: money(inv.total, inv.currency) }),
								el("span", {
									class: "mp-muted",
									text: [
										__("billed to {0}", [inv.billed_to]),
										__(inv.status),
									].join(" · "),
								}),
							),
						),
					);
					details.append(list);
					item.append(details);
				}
			}
			const url =
				"/api/method/medic_plus.api.portal.download_my_data?" +
				new URLSearchParams({ record: who.patient }).toString();
			item.append(
				el("a", {
					href: url,
					download: "",
					text: who.own
						? __("Download my data")
						: __("Download the data of {0}", [who.name]),
				}),
			);
			people.append(item);
		});
		section.append(people);
		section.append(el("h3", { text: __("Upcoming visits") }));
		if (c.upcoming.length) {
			const list = el("ul", { class: "mp-visits" });
			c.upcoming.forEach((v) => list.append(visitItem(v, c)));
			section.append(list);
		} else {
			section.append(el("p", { class: "mp-muted", text: __("No upcoming visits.") }));
		}
		if (p.bookable) {
			section.append(
				el(
					"p",
					{},
					el("a", {
						class: "mp-btn",
						href: `/book?practice=${encodeURIComponent(p.slug)}`,
						text: __("Book a visit"),
					}),
				),
			);
		}
		if (c.documents.length) {
			section.append(el("h3", { text: __("Documents") }));
			const list = el("ul", { class: "mp-documents" });
			c.documents.forEach((d) => {
				const url =
					"/api/method/medic_plus.api.portal.get_document?" +
					new URLSearchParams({ kind: d.kind, name: d.name }).toString();
				const date = d.date
					? new Date(d.date + "T00:00:00").toLocaleDateString(
							document.documentElement.lang || undefined,
							{ day: "numeric", month: "long", year: "numeric" },
						)
					: "";
				const label = [d.label, date, c.people.length > 1 ? d.for : null]
					.filter(Boolean)
					.join(" · ");
				list.append(
					el(
						"li",
						{},
						el("a", { href: url, download: "", text: label }),
						el("span", { class: "mp-muted", text: " (PDF)" }),
					),
				);
			});
			section.append(list);
		}
		if (c.consents.length) {
			section.append(el("h3", { text: __("What you agreed to") }));
			const list = el("ul", { class: "mp-consents" });
			c.consents.forEach((k) => {
				const item = el(
					"li",
					{},
					el("span", {
						text: [k.label, c.people.length > 1 ? k.for : null]
							.filter(Boolean)
							.join(" · "),
					}),
					el("span", {
						class: "mp-muted",
						text: __("since {0}, until {1}", [k.given_on || "", k.expires_on || ""]),
					}),
				);
				if (k.withdrawable) {
					const btn = el("button", {
						type: "button",
						class: "mp-btn mp-btn-ghost",
						text: __("Withdraw"),
						"aria-label": `${__("Withdraw")}: ${k.label}`,
					});
					btn.addEventListener("click", async () => {
						btn.disabled = true;
						try {
							render(
								await call(api + "withdraw_consent", { consent: k.consent }, true),
							);
							$("mp-status").textContent = __("Withdrawn: {0}", [k.label]);
						} catch (e) {
							btn.disabled = false;
							showError(e.message);
						}
					});
					item.append(btn);
				}
				list.append(item);
			});
			section.append(list);
		}
		if (c.past.length) {
			const details = el("details", {}, el("summary", { text: __("Past visits") }));
			const list = el("ul", { class: "mp-visits" });
			c.past.forEach((v) => list.append(visitItem(v, c)));
			details.append(list);
			section.append(details);
		}
		return section;
	}

	function render(home) {
		$("mp-title").textContent = __("Hello, {0}", [home.first_name]);
		const box = $("mp-practices");
		box.innerHTML = "";
		home.practices.forEach((c, i) => box.append(card(c, i)));
		if (!home.practices.length)
			box.append(el("p", { text: __("No practice holds a record of yours any more.") }));
	}

	async function loadHome() {
		$("mp-signin").hidden = true;
		$("mp-home").hidden = false;
		try {
			render(await call(api + "get_home", {}));
		} catch (e) {
			showError(e.message);
		} finally {
			$("mp-loading").hidden = true;
		}
	}

	async function requestCode(ev) {
		if (ev) ev.preventDefault();
		showError("");
		const form = $("mp-request");
		const data = Object.fromEntries(new FormData(form).entries());
		person = {
			identifier: data.identifier,
			first_name: data.first_name,
			last_name: data.last_name,
		};
		$("mp-request-btn").disabled = true;
		try {
			const r = await call(api + "request_code", { ...data, form_token: formToken }, true);
			formToken = r.form_token;
			$("mp-sent").textContent =
				r.channel === "mobile"
					? __(
							"If a practice has this number for you, we have sent a code to it by text message.",
						)
					: __("If a practice has this address for you, we have sent a code to it.");
			$("mp-verify").hidden = false;
			$("mp-code").focus();
		} catch (e) {
			showError(e.message);
		} finally {
			$("mp-request-btn").disabled = false;
		}
	}

	async function signIn(ev) {
		ev.preventDefault();
		showError("");
		$("mp-verify-btn").disabled = true;
		try {
			await call(api + "sign_in", { ...person, code: $("mp-code").value.trim() }, true);
			// a new session: the page's CSRF token is the new session's
			window.location.reload();
		} catch (e) {
			showError(e.message);
			$("mp-verify-btn").disabled = false;
		}
	}

	async function signOut() {
		try {
			await call("frappe.handler.logout", {}, true);
		} catch (e) {
			// signed out already
		}
		window.location.href = "/patient";
	}

	$("mp-request").addEventListener("submit", requestCode);
	$("mp-again").addEventListener("click", () => requestCode());
	$("mp-verify").addEventListener("submit", signIn);
	$("mp-signout").addEventListener("click", signOut);
	if (boot.signed_in) loadHome();
})();
