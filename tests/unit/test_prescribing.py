"""The prescribing check engine (medic_plus/core/prescribing.py), over a table of cases."""

import pytest

from medic_plus.core.prescribing import (
	Allergy,
	Drug,
	Interaction,
	Override,
	RuleBook,
	Severity,
	check,
	term,
	unresolved,
)

AMOXICILLIN = Drug(
	"Amoxicillin 500 mg",
	ingredients=frozenset({"Amoxicillin"}),
	classes=frozenset({"Penicillins", "Antibiotics"}),
	dose_mg=500,
	doses_per_day=3,
	max_mg_per_kg_day=90,
)
IBUPROFEN = Drug("Ibuprofen 400 mg", frozenset({"Ibuprofen"}), frozenset({"NSAIDs"}), 400, 3, 30)
WARFARIN = Drug("Warfarin 5 mg", frozenset({"Warfarin"}), frozenset({"Anticoagulants"}), 5, 1)
PARACETAMOL = Drug("Paracetamol 500 mg", frozenset({"Paracetamol"}), frozenset({"Analgesics"}), 500, 4, 60)
CO_AMOXICLAV = Drug(
	"Co-amoxiclav 625 mg",
	ingredients=frozenset({"Amoxicillin", "Clavulanic acid"}),
	classes=frozenset({"Penicillins"}),
)
RULES = [
	Interaction("NSAIDs", "Anticoagulants", Severity.BLOCKING, "bleeding risk"),
	Interaction("Ibuprofen", "Paracetamol", Severity.INFO, "fine together; mind the total"),
]


def kinds(findings):
	return [(f.kind, f.severity, f.drug) for f in findings]


@pytest.mark.parametrize(
	"drug, allergy, expected",
	[
		# the drug itself, an ingredient, a class: each is found
		(AMOXICILLIN, Allergy("Amoxicillin 500 mg", "high"), Severity.BLOCKING),
		(CO_AMOXICLAV, Allergy("amoxicillin", "high"), Severity.BLOCKING),
		(AMOXICILLIN, Allergy("PENICILLINS ", "high"), Severity.BLOCKING),
		# criticality: low warns, unable-to-assess blocks as high does
		(AMOXICILLIN, Allergy("Penicillins", "low"), Severity.WARNING),
		(AMOXICILLIN, Allergy("Penicillins", "unable-to-assess"), Severity.BLOCKING),
		# not an allergy to this drug, or not active: nothing
		(PARACETAMOL, Allergy("Penicillins", "high"), None),
		(AMOXICILLIN, Allergy("Penicillins", "high", status="resolved"), None),
		(AMOXICILLIN, Allergy("Penicillins", "high", status="inactive"), None),
	],
)
def test_allergies(drug, allergy, expected):
	found = [f for f in check([drug], [allergy]) if f.kind == "allergy"]
	assert [f.severity for f in found] == ([expected] if expected else [])


def test_an_allergy_finding_says_why():
	(finding,) = check([CO_AMOXICLAV], [Allergy("Penicillins", "high", reaction="anaphylaxis")])
	assert "allergic to Penicillins" in finding.message
	assert "anaphylaxis" in finding.message
	assert finding.blocking


@pytest.mark.parametrize(
	"drugs, current, expected",
	[
		# class against class, within the prescription
		([IBUPROFEN, WARFARIN], [], [("interaction", Severity.BLOCKING, "Ibuprofen 400 mg")]),
		# against the patient's current medication
		([IBUPROFEN], [WARFARIN], [("interaction", Severity.BLOCKING, "Ibuprofen 400 mg")]),
		# ingredient against ingredient, either order
		([PARACETAMOL, IBUPROFEN], [], [("interaction", Severity.INFO, "Paracetamol 500 mg")]),
		# no rule: nothing; the same drug prescribed and current: no pair with itself
		([AMOXICILLIN, PARACETAMOL], [], []),
		([WARFARIN], [WARFARIN], []),
	],
)
def test_interactions(drugs, current, expected):
	assert kinds(check(drugs, current=current, rules=RULES)) == expected


def test_one_finding_per_pair_and_rule():
	found = check([IBUPROFEN, WARFARIN], current=[WARFARIN, IBUPROFEN], rules=RULES)
	assert len([f for f in found if f.kind == "interaction"]) == 1


@pytest.mark.parametrize(
	"drug, weight, age, expected",
	[
		# 500 mg x 3 = 1500 mg/day; limit 90 mg/kg x 20 kg = 1800: fine
		(AMOXICILLIN, 20, 6, None),
		# 10 kg: limit 900 mg/day: blocking
		(AMOXICILLIN, 10, 2, Severity.BLOCKING),
		# a child without a weight: a warning
		(AMOXICILLIN, None, 4, Severity.WARNING),
		# an adult, or an unknown age: no paediatric check
		(AMOXICILLIN, 10, 30, None),
		(AMOXICILLIN, 10, None, None),
		# a drug without a limit
		(WARFARIN, 10, 4, None),
	],
)
def test_paediatric_dose(drug, weight, age, expected):
	found = [f for f in check([drug], weight_kg=weight, age_years=age) if f.kind == "dose"]
	assert [f.severity for f in found] == ([expected] if expected else [])


def test_the_dose_finding_shows_the_arithmetic():
	(finding,) = check([AMOXICILLIN], weight_kg=10, age_years=2)
	assert "1500 mg a day" in finding.message and "= 900 mg a day" in finding.message


def test_most_severe_first():
	found = check(
		[IBUPROFEN, PARACETAMOL, WARFARIN], [Allergy("Analgesics", "low")], rules=RULES, age_years=40
	)
	assert [f.severity for f in found] == sorted((f.severity for f in found), reverse=True)


def test_only_a_complete_override_answers_a_blocking_finding():
	found = check([IBUPROFEN, WARFARIN], [Allergy("Ibuprofen", "low")], rules=RULES)
	blocking = [f for f in found if f.blocking]
	assert unresolved(found, []) == blocking  # the low-criticality allergy only warns
	code = blocking[0].code
	assert unresolved(found, [Override(code, "", "bleeding watched")]) == blocking
	assert unresolved(found, [Override(code, "OVR-01", "  ")]) == blocking
	assert unresolved(found, [Override(code, "OVR-01", "INR monitored weekly")]) == []


def test_codes_are_stable_across_runs_and_orders():
	one = check([IBUPROFEN, WARFARIN], rules=RULES)
	two = check([WARFARIN, IBUPROFEN], rules=list(reversed(RULES)))
	assert [f.code for f in one] == [f.code for f in two]


def test_thousands_of_rules_are_looked_up_by_term():
	rules = [Interaction(f"Drug {i}", f"Drug {i + 1}", Severity.WARNING) for i in range(5000)] + RULES
	book = RuleBook(rules)
	assert len(book.by_term.get(term("NSAIDs"), [])) == 1
	assert kinds(check([IBUPROFEN, WARFARIN], rules=book)) == [
		("interaction", Severity.BLOCKING, "Ibuprofen 400 mg")
	]


@pytest.mark.parametrize(
	"allergy, says",
	[
		("Amoxicillin 500 mg", "allergic to Amoxicillin 500 mg;"),
		("Penicillins", "(its class)"),
		("Clavulanic acid", "(an ingredient)"),
	],
)
def test_an_allergy_finding_names_how_the_drug_matches(allergy, says):
	(finding,) = check([CO_AMOXICLAV, AMOXICILLIN], [Allergy(allergy, "high")])[:1]
	assert says in finding.message
