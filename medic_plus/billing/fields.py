"""The identifiers on a billing record, each through its rule (``core/claims.py``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import frappe
from frappe import _


def clean_fields(
	doc, cleaners: dict[str, Callable[[str], str]], exc: type[Exception], optional: Iterable[str] = ()
) -> None:
	"""Set each field of ``doc`` to its cleaned value; an ``optional`` field left blank is
	None; a value its rule refuses is refused with the field's label and the reason."""
	optional = set(optional)
	for fieldname, clean in cleaners.items():
		if fieldname in optional and not str(doc.get(fieldname) or "").strip():
			doc.set(fieldname, None)
			continue
		try:
			doc.set(fieldname, clean(doc.get(fieldname)))
		except ValueError as e:
			label = _(doc.meta.get_label(fieldname))
			frappe.throw(_("{0}: {1}").format(label, _(str(e))), exc, title=label)
