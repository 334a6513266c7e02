"""Which function a method name runs: the dotted path of the function behind a name a
request gives (after ``override_whitelisted_methods``, by a doctype's module for the
``/api/v2/method/<doctype>/<method>`` form, Frappe's handler's short names), remembered
per process. The request gate judges that function, and the access log names it.
"""

from __future__ import annotations

import frappe

from medic_plus.core import gate as core

_CANONICAL: dict[tuple[str, str], str] = {}


def canonical(method: str, doctype: str | None = None) -> str | None:
	"""The dotted path of the function a method name runs (after overrides), or None."""
	if not isinstance(method, str) or not method:
		return None
	key = (method, doctype or "")
	if key in _CANONICAL:
		return _CANONICAL[key]
	name = _resolve_name(method, doctype)
	if name:
		_CANONICAL[key] = name
	return name


def _resolve_name(method: str, doctype: str | None) -> str | None:
	from frappe.core.doctype.server_script.server_script_utils import get_server_script_map

	if method == "login" and not doctype:
		return "login"
	if doctype:
		from frappe.modules.utils import load_doctype_module

		try:
			method = f"{load_doctype_module(doctype).__name__}.{method}"
		except Exception:
			return None
	method = frappe.override_whitelisted_method(method)
	if get_server_script_map().get("_api", {}).get(method):
		return None  # server script APIs are never cached: they can be removed
	try:
		if "." in method:
			fn = frappe.get_attr(method)
		elif method in core.HANDLER_SHORT_NAMES:
			from frappe import handler

			fn = getattr(handler, method)
		else:
			return None
	except Exception:
		return None
	if not callable(fn) or not hasattr(fn, "__module__"):
		return None
	return f"{fn.__module__}.{getattr(fn, '__qualname__', fn.__name__)}"
