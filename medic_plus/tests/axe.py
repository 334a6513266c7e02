"""axe-core in the browser tests: its serious and critical findings on a page, at a
phone's width and a laptop's. axe.min.js is read from $MEDIC_PLUS_AXE, else
~/.cache/medic_plus/node_modules/axe-core/axe.min.js (`.ci/run` installs it there)."""

from __future__ import annotations

import os

AXE = os.environ.get("MEDIC_PLUS_AXE") or os.path.expanduser(
	"~/.cache/medic_plus/node_modules/axe-core/axe.min.js"
)
BLOCKING = {"serious", "critical"}


# a phone and a laptop
WIDTHS = ((390, 844), (1366, 900))


def axe_findings(page, shots: str, where: str) -> list[dict]:
	"""axe-core on the page as it is now (WCAG 2.1 A and AA): its serious and critical
	findings; a screenshot of the page goes to ``shots``."""
	with open(AXE) as f:
		page.add_script_tag(content=f.read())
	result = page.evaluate(
		"""() => axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21aa"]}})
			.then((r) => r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
				nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" "))})))"""
	)
	page.screenshot(path=os.path.join(shots, f"{where}.png"), full_page=True)
	return [v for v in result if v["impact"] in BLOCKING]


def scrolls_sideways(page) -> bool:
	return page.evaluate("() => document.documentElement.scrollWidth > document.documentElement.clientWidth")
