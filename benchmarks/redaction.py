"""The assistant's redactor on 200 generated consultation notes of about 2 kB: how many of
the patient's known identifiers it removes (target 100%), how many of the identifiers it
was not told of but must recognise by their pattern (other people's phone numbers, e-mail
addresses, ID numbers, dates, record names; target at least 99%), and its time per note
(target at most 5 ms).

Pure Python (no site): run from the repository's root.

    python benchmarks/redaction.py
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from medic_plus.core import redaction as r

FIRST = ("Zoë", "Thabo", "Anneke", "Sipho", "Mia", "Pieter", "Lerato", "José", "Nomvula", "Johan")
LAST = (
	"van der Merwe",
	"Nkosi",
	"Botha",
	"Dlamini",
	"Schulz",
	"Naidoo",
	"Mokoena",
	"Pillay",
	"Smit",
	"Müller",
)
FILLER = (
	"Presents with a dry cough for two weeks, worse at night. No fever reported. ",
	"Chest clear on auscultation, saturation normal on room air. ",
	"Advised fluids, rest and review if symptoms persist beyond a week. ",
	"Blood pressure well controlled on current medication; continue as before. ",
	"Discussed diet and exercise; patient motivated to lose weight. ",
)


def luhn_digit(digits: str) -> str:
	for c in "0123456789":
		if r.luhn(digits + c):
			return c
	raise ValueError(digits)


def note(rng: random.Random) -> tuple[str, r.Known, list[str], list[str]]:
	first, last = rng.choice(FIRST), rng.choice(LAST)
	mother = (rng.choice(FIRST), rng.choice(LAST))
	dob = date(1940, 1, 1) + timedelta(days=rng.randrange(30000))
	id_number = dob.strftime("%y%m%d") + f"{rng.randrange(10000):04d}08"
	id_number += luhn_digit(id_number)
	mobile = f"08{rng.randrange(10**8):08d}"
	record = f"ABC{rng.randrange(100):02d}-P{rng.randrange(10**5):05d}"
	aid = f"MED{rng.randrange(10**6):06d}"
	email = f"{first.lower()}.{rng.randrange(1000)}@example.org".replace("ë", "e").replace("é", "e")
	other_phone = f"+27 21 {rng.randrange(100, 999)} {rng.randrange(1000, 9999)}"
	other_email = f"clinic{rng.randrange(100)}@lab.co.za"
	other_record = f"HLC-ENC-2026-{rng.randrange(10**5):05d}"
	visit = date(2026, 3, 4) - timedelta(days=rng.randrange(1, 300))
	parts = [
		f"{first} {last} ({record}), born {dob.strftime('%d/%m/%Y')}, ID {id_number}. ",
		f"Medical aid {aid}. Mobile {mobile[:3]} {mobile[3:6]} {mobile[6:]}, e-mail {email}. ",
		f"Accompanied by her mother {mother[0]} {mother[1]}. ",
		f"Last seen {visit.isoformat()}; lab results from {other_email}, call {other_phone}. ",
		f"See encounter {other_record}. {last.upper()}, {first} agreed to the plan. ",
	]
	while sum(len(p) for p in parts) < 2000:
		parts.insert(rng.randrange(1, len(parts)), rng.choice(FILLER))
	known = r.Known(
		people=[r.Person("PATIENT", (first, last)), r.Person("MOTHER", mother)],
		identifiers=[id_number, record, aid],
		phones=[mobile],
		emails=[email],
		dates=[dob],
		on=date(2026, 3, 4),
	)
	own = [
		first,
		last,
		record,
		id_number,
		aid,
		email,
		dob.strftime("%d/%m/%Y"),
		mobile[3:6] + " " + mobile[6:],
	]
	patterns = [other_email, other_phone, other_record, visit.isoformat()]
	return "".join(parts), known, own, patterns


def main() -> None:
	rng = random.Random(2026)
	notes = [note(rng) for _ in range(200)]
	own_found = own_total = pattern_found = pattern_total = 0
	times = []
	for text, known, own, patterns in notes:
		redactor = r.Redactor(known)
		start = time.perf_counter()
		out = redactor.redact(text)
		times.append(time.perf_counter() - start)
		folded = r.fold(out.text)[0]
		own_total += len(own)
		own_found += sum(r.fold(v)[0] not in folded for v in own)
		pattern_total += len(patterns)
		pattern_found += sum(v not in out.text for v in patterns)
	size = statistics.mean(len(t) for t, *_ in notes)
	print(
		f"200 notes of {size:,.0f} characters: the patient's known identifiers removed "
		f"{100 * own_found / own_total:.1f}% ({own_found}/{own_total}, target 100%); "
		f"others by their pattern {100 * pattern_found / pattern_total:.1f}% "
		f"({pattern_found}/{pattern_total}, target >= 99%); "
		f"median {statistics.median(times) * 1000:.2f} ms a note (target <= 5)"
	)


if __name__ == "__main__":
	main()
