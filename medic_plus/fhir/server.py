"""Takes every request under /fhir/R4.

A ``before_request`` hook takes it, whatever its method, before Frappe's own
authentication (which would refuse our bearer tokens), has it answered (the bulk export's
routes by ``bulk.py``, the rest by ``router.py``) and hands the response back by raising
it (werkzeug's HTTPException carrying a response is returned as is by Frappe's
application).
"""

from __future__ import annotations

import frappe
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from medic_plus.fhir import bulk, router


class FHIRResponse(HTTPException):
	"""Carries a finished response out of Frappe's request handling."""

	def __init__(self, response: Response):
		super().__init__(response=response)


def intercept() -> None:
	"""before_request hook."""
	path = frappe.request.path if frappe.request else ""
	if path != router.BASE_PATH and not path.startswith(router.BASE_PATH + "/"):
		return
	parts = router.parts_of(frappe.request)
	handler = (lambda request: bulk.route(request, parts)) if bulk.handles(parts) else router.route
	raise FHIRResponse(router.respond(frappe.request, handler))
