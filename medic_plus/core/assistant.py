"""The assistant's requests and answers over an OpenAI-compatible chat API: what each
feature asks of the model (from a consultation note that is already redacted), and what
its answer must look like to be shown to the doctor. Pure: no Frappe import, no network.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

PLAN = "plan"
REFERRAL = "referral"
ICD10 = "icd10"
FEATURES = (PLAN, REFERRAL, ICD10)

# the note's parts, in the order the model reads them: (key, heading)
NOTE_PARTS = (
	("complaint", "Presenting complaint"),
	("subjective", "History (subjective)"),
	("objective", "Examination (objective)"),
	("findings", "Examination findings"),
	("vitals", "Vital signs"),
	("assessment", "Assessment"),
	("diagnoses", "Diagnoses"),
	("medication", "Medication prescribed"),
	("allergies", "Allergies"),
	("problems", "Problem list"),
	("plan", "Plan so far"),
)
MAX_NOTE = 12_000  # characters of note a request carries at most
ICD10_CODE = re.compile(r"\b([A-TV-Z][0-9][0-9AB](?:\.[0-9A-TV-Z]{1,4})?)\b")

SYSTEM = (
	"You help a general practitioner with paperwork. The consultation note you are given has "
	"every name, date and number of the patient and the people around them replaced by a "
	"placeholder in square brackets, such as [PATIENT], [DOCTOR], [PRACTICE], [MOTHER] or "
	"[12 days before]. Keep each placeholder exactly as written wherever you need it; never "
	"invent a name, date, number or address. Write in plain clinical English, without "
	"markdown. Use only what the note says; where something needed is missing, say so in "
	"brackets rather than guessing. Answer with one JSON object and nothing else."
)
ASKS = {
	PLAN: (
		"Draft two texts from this note. 'plan': the Plan section of the note (treatment, "
		"advice, safety-netting, follow-up), concise, for the record. 'letter': a short letter "
		"to the patient, addressed 'Dear [PATIENT]', that explains the findings and the plan "
		'in everyday words and is signed by [DOCTOR], [PRACTICE]. Answer as {"plan": "...", '
		'"letter": "..."}.'
	),
	REFERRAL: (
		"Draft a referral letter from [DOCTOR] at [PRACTICE] about [PATIENT], from this note: "
		"the reason for referral, relevant history, findings, current medication and allergies, "
		'and the question for the colleague. Answer as {"letter": "..."}.'
	),
	ICD10: (
		"Suggest the ICD-10 (WHO) codes that fit the assessment of this note, most likely "
		'first, at most 5. Answer as {"codes": [{"code": "J06.9", "why": "..."}]}.'
	),
}


def private(addresses: list[str]) -> bool:
	"""Whether any of a host's addresses is on a private network, the loopback, a link-local
	or otherwise non-public range: a provider there is on the platform's own network."""
	import ipaddress

	for address in addresses:
		try:
			ip = ipaddress.ip_address(address.split("%")[0])
		except ValueError:
			return True  # not an address: judged as not public
		if not ip.is_global:
			return True
	return False


class MalformedAnswer(ValueError):
	"""The provider's answer is not what the feature asked for."""


@dataclass(frozen=True)
class Answer:
	content: str
	model: str | None
	prompt_tokens: int | None
	completion_tokens: int | None


def note_text(parts: dict[str, str | None]) -> str:
	"""The consultation note as one text, its parts under their headings (empty ones left
	out), at most MAX_NOTE characters."""
	blocks = [
		f"{heading}:\n{parts[key].strip()}" for key, heading in NOTE_PARTS if (parts.get(key) or "").strip()
	]
	return "\n\n".join(blocks)[:MAX_NOTE]


def messages(feature: str, note: str, recipient: str | None = None) -> list[dict]:
	"""The chat messages of a request: the rules, then the ask and the (redacted) note."""
	ask = ASKS[feature]
	if feature == REFERRAL and recipient:
		ask += f" The letter is to: {recipient}."
	return [
		{"role": "system", "content": SYSTEM},
		{"role": "user", "content": f"{ask}\n\n--- consultation note ---\n{note}"},
	]


def request_body(model: str, feature: str, note: str, recipient: str | None = None) -> dict:
	return {"model": model, "messages": messages(feature, note, recipient), "temperature": 0.2, "n": 1}


def answer_of(body) -> Answer:
	"""The first choice's text and the usage of an OpenAI-compatible chat completion."""
	try:
		content = body["choices"][0]["message"]["content"]
	except (KeyError, IndexError, TypeError) as e:
		raise MalformedAnswer("no choices[0].message.content") from e
	if not isinstance(content, str) or not content.strip():
		raise MalformedAnswer("an empty answer")
	usage = body.get("usage") if isinstance(body.get("usage"), dict) else {}
	return Answer(
		content=content,
		model=body.get("model") if isinstance(body.get("model"), str) else None,
		prompt_tokens=_int(usage.get("prompt_tokens")),
		completion_tokens=_int(usage.get("completion_tokens")),
	)


def _int(value) -> int | None:
	return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _json_object(content: str) -> dict:
	"""The JSON object in a model's answer (bare, or inside a ```json fence or some prose)."""
	text = content.strip()
	fenced = re.search(r"```(?:json)?\s*(\{.*\})\s*```", text, re.DOTALL)
	if fenced:
		text = fenced.group(1)
	elif not text.startswith("{"):
		start, end = text.find("{"), text.rfind("}")
		if start < 0 or end <= start:
			raise MalformedAnswer("no JSON object")
		text = text[start : end + 1]
	try:
		value = json.loads(text)
	except ValueError as e:
		raise MalformedAnswer("not JSON") from e
	if not isinstance(value, dict):
		raise MalformedAnswer("not a JSON object")
	return value


def _text(value, key: str) -> str:
	text = value.get(key)
	if not isinstance(text, str) or not text.strip():
		raise MalformedAnswer(f"no {key}")
	return text.strip()


def parse(feature: str, content: str) -> dict:
	"""What the doctor is shown, still with placeholders: {"plan", "letter"}, {"letter"}, or
	{"codes": [{"code", "why"}]} (well-formed ICD-10 codes only, each once)."""
	value = _json_object(content)
	if feature == PLAN:
		return {"plan": _text(value, "plan"), "letter": _text(value, "letter")}
	if feature == REFERRAL:
		return {"letter": _text(value, "letter")}
	rows = value.get("codes")
	if not isinstance(rows, list):
		raise MalformedAnswer("no codes")
	codes, seen = [], set()
	for row in rows:
		code, why = (row.get("code"), row.get("why")) if isinstance(row, dict) else (row, None)
		match = ICD10_CODE.fullmatch(code.strip().upper()) if isinstance(code, str) else None
		if match and match.group(1) not in seen:
			seen.add(match.group(1))
			codes.append({"code": match.group(1), "why": why.strip() if isinstance(why, str) else ""})
	return {"codes": codes[:5]}


def texts(draft: dict) -> list[str]:
	"""Every text of a parsed draft (to give back its placeholders' values)."""
	out = [v for k, v in draft.items() if isinstance(v, str)]
	out += [c["why"] for c in draft.get("codes", []) if c.get("why")]
	return out
