"""Checks when a doctor prescribes: each drug against the patient's active allergies
(the drug, its ingredients, its classes), against the other drugs of the prescription
and the patient's current medication (interaction rules between drugs, ingredients or
classes), and, for a child, its daily dose against the drug's mg/kg limit.

Pure: no Frappe import. Names are compared normalised (:func:`term`), so "Penicillins",
"penicillins " and "PENICILLINS" are one substance. A finding is *blocking* when the
prescription must not go ahead without a recorded override (a reason code and a note).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum

ADULT_AGE = 18  # years: below it, the paediatric dose check applies


def _(text: str) -> str:
	"""Marks a message for translation (Frappe extracts ``_("...")`` from every file);
	the engine keeps English, the Frappe shell renders findings in the user's language."""
	return text


class Word(str):
	"""An argument of a message that is itself translated (a criticality)."""


Part = tuple[str, tuple]  # (message template with {0}, {1}..., its arguments)


def render(parts: Iterable[Part], translate=_) -> str:
	"""A finding's message: its parts joined by "; ", each through ``translate``."""
	return "; ".join(
		translate(text).format(*(translate(a) if isinstance(a, Word) else a for a in args))
		for text, args in parts
	)


class Severity(IntEnum):
	INFO = 1
	WARNING = 2
	BLOCKING = 3

	@property
	def label(self) -> str:
		return self.name.title()


def term(value: str | None) -> str:
	"""A substance, class or drug name as compared: case and spacing aside."""
	return " ".join((value or "").casefold().split())


@dataclass(frozen=True)
class Drug:
	"""A prescribed (or current) drug: a medication with what it contains and belongs to."""

	key: str  # the Medication's name
	ingredients: frozenset[str] = frozenset()
	classes: frozenset[str] = frozenset()
	dose_mg: float | None = None  # one administration
	doses_per_day: float | None = None
	max_mg_per_kg_day: float | None = None  # the paediatric limit, where the drug has one

	@property
	def terms(self) -> frozenset[str]:
		"""Every name an allergy or an interaction rule may use for this drug."""
		return frozenset(map(term, {self.key, *self.ingredients, *self.classes})) - {""}


@dataclass(frozen=True)
class Allergy:
	substance: str  # a medication, an ingredient or a class
	criticality: str = "low"  # low / high / unable-to-assess
	status: str = "active"  # active / inactive / resolved
	reaction: str = ""


@dataclass(frozen=True)
class Interaction:
	"""Two drugs, ingredients or classes that must not (or only with care) be combined."""

	a: str
	b: str
	severity: Severity
	description: str = ""


@dataclass(frozen=True)
class Finding:
	kind: str  # allergy / interaction / dose
	severity: Severity
	drug: str
	parts: tuple[Part, ...]
	# stable for the same problem, so that an override recorded for it still matches
	code: str = field(compare=False, default="")

	@property
	def message(self) -> str:
		return render(self.parts)

	@property
	def blocking(self) -> bool:
		return self.severity >= Severity.BLOCKING


@dataclass(frozen=True)
class Override:
	code: str
	reason: str  # a Medication Override Reason code
	note: str


class RuleBook:
	"""Interaction rules indexed by each of their two terms: a prescription looks up only
	the rules that name one of its drugs' terms, however many rules there are."""

	def __init__(self, rules: Iterable[Interaction]):
		self.by_term: dict[str, list[Interaction]] = {}
		for rule in rules:
			a, b = term(rule.a), term(rule.b)
			self.by_term.setdefault(a, []).append(rule)
			if b != a:
				self.by_term.setdefault(b, []).append(rule)

	def between(self, x: Drug, y: Drug) -> list[Interaction]:
		xt, yt = x.terms, y.terms
		found = []
		for t in xt:
			for rule in self.by_term.get(t, ()):
				a, b = term(rule.a), term(rule.b)
				if (a in xt and b in yt) or (b in xt and a in yt):
					if rule not in found:
						found.append(rule)
		return found


def check(
	drugs: Iterable[Drug],
	allergies: Iterable[Allergy] = (),
	current: Iterable[Drug] = (),
	rules: RuleBook | Iterable[Interaction] = (),
	weight_kg: float | None = None,
	age_years: float | None = None,
) -> list[Finding]:
	"""Every finding for ``drugs`` (the prescription), most severe first."""
	drugs = list(drugs)
	book = rules if isinstance(rules, RuleBook) else RuleBook(rules)
	findings: list[Finding] = []
	active = [a for a in allergies if term(a.status) in ("active", "")]
	for drug in drugs:
		findings += _allergy_findings(drug, active)
		findings += _dose_findings(drug, weight_kg, age_years)
	prescribed = {d.key for d in drugs}
	pairs = [(x, y, False) for i, x in enumerate(drugs) for y in drugs[i + 1 :] if y.key != x.key]
	pairs += [(x, y, True) for x in drugs for y in current if y.key not in prescribed]
	for x, y, current_drug in pairs:
		for rule in book.between(x, y):
			first, second = sorted((term(x.key), term(y.key)))
			if current_drug:
				text = _("{0} with {1} (current medication): {2}")
			else:
				text = _("{0} with {1}: {2}")
			findings.append(
				Finding(
					"interaction",
					rule.severity,
					x.key,
					((text, (x.key, y.key, rule.description or Word("interaction"))),),
					f"interaction:{first}:{second}:{term(rule.a)}:{term(rule.b)}",
				)
			)
	return sorted(findings, key=lambda f: (-f.severity, f.kind, f.drug, f.message))


def _allergy_findings(drug: Drug, allergies: list[Allergy]) -> list[Finding]:
	out = []
	terms = drug.terms
	for allergy in allergies:
		substance = term(allergy.substance)
		if substance not in terms:
			continue
		criticality = term(allergy.criticality) or "low"
		severity = Severity.WARNING if criticality == "low" else Severity.BLOCKING
		if substance == term(drug.key):
			text = _("{0}: the patient is allergic to {1}")
		elif substance in {term(c) for c in drug.classes}:
			text = _("{0}: the patient is allergic to {1} (its class)")
		else:
			text = _("{0}: the patient is allergic to {1} (an ingredient)")
		parts = [(text, (drug.key, allergy.substance)), (_("criticality: {0}"), (Word(criticality),))]
		if allergy.reaction:
			parts.append((_("reaction: {0}"), (allergy.reaction,)))
		out.append(
			Finding("allergy", severity, drug.key, tuple(parts), f"allergy:{term(drug.key)}:{substance}")
		)
	return out


def _dose_findings(drug: Drug, weight_kg: float | None, age_years: float | None) -> list[Finding]:
	if age_years is None or age_years >= ADULT_AGE or not drug.max_mg_per_kg_day:
		return []
	code = f"dose:{term(drug.key)}"
	if not weight_kg or weight_kg <= 0:
		return [
			Finding(
				"dose",
				Severity.WARNING,
				drug.key,
				((_("{0}: no weight recorded for this child; the dose cannot be checked"), (drug.key,)),),
				code,
			)
		]
	if not drug.dose_mg or not drug.doses_per_day:
		return []
	daily = drug.dose_mg * drug.doses_per_day
	limit = drug.max_mg_per_kg_day * weight_kg
	if daily <= limit:
		return []
	return [
		Finding(
			"dose",
			Severity.BLOCKING,
			drug.key,
			(
				(
					_("{0}: {1} mg a day is more than {2} mg/kg x {3} kg = {4} mg a day"),
					(drug.key, f"{daily:g}", f"{drug.max_mg_per_kg_day:g}", f"{weight_kg:g}", f"{limit:g}"),
				),
			),
			code,
		)
	]


def unresolved(findings: Iterable[Finding], overrides: Iterable[Override]) -> list[Finding]:
	"""The blocking findings that no complete override (a reason and a note) answers."""
	answered = {o.code for o in overrides if o.reason.strip() and o.note.strip()}
	return [f for f in findings if f.blocking and f.code not in answered]
