// Medic Plus: the calls of the public booking pages to medic_plus.api.booking.
window.medic_plus_booking = (function () {
	"use strict";
	const api = "/api/method/medic_plus.api.booking.";
	const __ = window.__ || ((s) => s);

	function serverMessage(body) {
		try {
			const msgs = JSON.parse(body._server_messages || "[]").map(
				(m) => JSON.parse(m).message,
			);
			const div = document.createElement("div");
			div.innerHTML = msgs.join(" ");
			return div.textContent;
		} catch (e) {
			return "";
		}
	}

	/** ``method``: one of medic_plus.api.booking's, or a dotted path. */
	async function call(method, args, post) {
		let url = method.includes(".") ? "/api/method/" + method : api + method;
		const opts = { headers: { Accept: "application/json" }, credentials: "same-origin" };
		if (post) {
			opts.method = "POST";
			opts.headers["Content-Type"] = "application/json";
			if (window.frappe && frappe.csrf_token)
				opts.headers["X-Frappe-CSRF-Token"] = frappe.csrf_token;
			opts.body = JSON.stringify(args);
		} else {
			url += "?" + new URLSearchParams(args).toString();
		}
		let res, body;
		try {
			res = await fetch(url, opts);
			body = await res.json();
		} catch (e) {
			throw new Error(
				__("We could not reach the practice. Please check your connection and try again."),
			);
		}
		if (!res.ok) {
			const err = new Error(
				serverMessage(body) || __("Something went wrong. Please try again."),
			);
			err.status = res.status;
			throw err;
		}
		return body.message;
	}

	/** Fill a <dl> with [label, value] rows, as text (never HTML). */
	function fill_list(dl, rows) {
		dl.innerHTML = "";
		rows.forEach(([label, value]) => {
			const dt = document.createElement("dt");
			dt.textContent = label;
			const dd = document.createElement("dd");
			dd.textContent = value;
			dl.append(dt, dd);
		});
	}

	/** A page of one booking (manage, visit) that could not do what was asked: the
	 * message in its alert, which takes the focus. */
	function fail(e) {
		const $ = (id) => document.getElementById(id);
		$("mp-loading").hidden = true;
		$("mp-card").setAttribute("aria-busy", "false");
		$("mp-error").textContent = e.message;
		$("mp-error").hidden = false;
		$("mp-error").focus();
	}

	return { call, fill_list, fail };
})();
