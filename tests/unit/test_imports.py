"""The layout holds: no import circle between the app's files, and no file imports from a
room above its own. Read from the source (ast), every import counted, also those inside a
function (a circle broken only at import time is still a circle).

The rooms, lowest first:

0. ``core/``: the pure rules; imports no Frappe and nothing of the app outside ``core/``.
1. the plumbing at the top of the package: ``durable``, ``locks``, ``outage``, ``replica``,
   ``methods`` (the function a method name runs).
2. ``tenancy/``: what belongs to a practice and the permission hooks built from it.
3. ``privacy/``: the access log, retention, a patient's rights (restrict, archive, erase).
4. the work: ``booking/``, ``clinical/``, ``billing/``, ``onboarding/``, ``fhir/``, the
   doctypes (``medic_plus/medic_plus/``) and the demo.
5. ``gate/``: the request gate, its allowlist, realtime; in front of all the work, which
   never calls it.
6. the doors: ``api/`` (the endpoints, also those that wrap Frappe's and Healthcare's),
   ``www/``, ``tasks``, ``commands``, ``install``, ``patches``, ``hooks``, ``config/``.

Tests (``tests/``, ``test_*.py``) sit outside the rooms and may import anything.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "medic_plus"

ROOMS = {
	"core": 0,
	"durable": 1,
	"locks": 1,
	"outage": 1,
	"replica": 1,
	"methods": 1,
	"tenancy": 2,
	"privacy": 3,
	"booking": 4,
	"clinical": 4,
	"billing": 4,
	"onboarding": 4,
	"portal": 4,
	"fhir": 4,
	"medic_plus": 4,
	"demo": 4,
	"gate": 5,
	"api": 6,
	"www": 6,
	"tasks": 6,
	"commands": 6,
	"install": 6,
	"patches": 6,
	"hooks": 6,
	"config": 6,
}


def modules() -> dict[str, Path]:
	out = {}
	for path in PACKAGE.rglob("*.py"):
		parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
		if parts[-1] == "__init__":
			parts.pop()
		out[".".join(parts)] = path
	return out


def imports(path: Path, known: dict[str, Path]) -> set[str]:
	"""The app's modules that ``path`` imports (``from a import b`` counts ``a.b`` where that
	is a module, else ``a``)."""
	found = set()
	for node in ast.walk(ast.parse(path.read_text())):
		if isinstance(node, ast.Import):
			names = [alias.name for alias in node.names]
		elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
			names = [f"{node.module}.{alias.name}" for alias in node.names]
			names = [name if name in known else node.module for name in names]
		else:
			continue
		found.update(name for name in names if name.startswith("medic_plus") and name in known)
	return found


def graph() -> dict[str, set[str]]:
	known = modules()
	return {name: imports(path, known) - {name} for name, path in known.items()}


def room(module: str) -> str:
	parts = module.split(".")
	return parts[1] if len(parts) > 1 else "package"


def is_test(module: str) -> bool:
	return ".tests" in module or module.rsplit(".", 1)[-1].startswith("test_")


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
	"""Every strongly connected group of more than one module (Tarjan)."""
	index: dict[str, int] = {}
	low: dict[str, int] = {}
	stack: list[str] = []
	on_stack: set[str] = set()
	found: list[list[str]] = []

	def visit(node: str) -> None:
		index[node] = low[node] = len(index)
		stack.append(node)
		on_stack.add(node)
		for other in sorted(edges.get(node, ())):
			if other not in index:
				visit(other)
				low[node] = min(low[node], low[other])
			elif other in on_stack:
				low[node] = min(low[node], index[other])
		if low[node] == index[node]:
			group = []
			while True:
				other = stack.pop()
				on_stack.discard(other)
				group.append(other)
				if other == node:
					break
			if len(group) > 1:
				found.append(sorted(group))

	for node in sorted(edges):
		if node not in index:
			visit(node)
	return found


def test_no_import_circle():
	assert circles(graph()) == []


def test_no_file_imports_from_a_room_above_its_own():
	upward = []
	for module, targets in graph().items():
		if is_test(module) or room(module) == "package":
			continue
		for target in targets:
			if is_test(target):
				upward.append(f"{module} imports the test module {target}")
			elif ROOMS.get(room(target), 0) > ROOMS[room(module)]:
				upward.append(f"{module} ({room(module)}) imports {target} ({room(target)})")
	assert sorted(upward) == []


def test_every_room_is_placed():
	rooms = {room(m) for m in graph() if not is_test(m)} - {"package", "tests"}
	assert rooms <= set(ROOMS), rooms - set(ROOMS)


def test_the_core_is_pure():
	for module, path in modules().items():
		if room(module) != "core":
			continue
		tree = ast.parse(path.read_text())
		for node in ast.walk(tree):
			names = (
				[a.name for a in node.names]
				if isinstance(node, ast.Import)
				else [node.module or ""]
				if isinstance(node, ast.ImportFrom)
				else []
			)
			for name in names:
				assert not name.startswith("frappe"), f"{module} imports {name}"
				assert not name.startswith("medic_plus") or name.startswith(
					"medic_plus.core"
				), f"{module} imports {name}"


def test_the_checker_finds_a_circle_and_an_upward_import():
	assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
	assert ROOMS["core"] < ROOMS["tenancy"] < ROOMS["privacy"] < ROOMS["booking"] < ROOMS["gate"]
	assert ROOMS["gate"] < ROOMS["api"]


def test_imports_inside_functions_count(tmp_path):
	source = tmp_path / "m.py"
	source.write_text("def f():\n\tfrom medic_plus.core import gate\n")
	assert imports(source, {"medic_plus.core.gate": source, "medic_plus.core": source}) == {
		"medic_plus.core.gate"
	}
