import json

import pytest

from medic_plus.core import assistant as core


def completion(content, **extra):
	return {
		"id": "x",
		"model": "local-model",
		"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}],
		"usage": {"prompt_tokens": 120, "completion_tokens": 40},
		**extra,
	}


def test_the_note_keeps_its_parts_in_order_and_drops_empty_ones():
	text = core.note_text({"plan": "Rest", "subjective": "Cough for 3 days", "objective": "  "})
	assert text == "History (subjective):\nCough for 3 days\n\nPlan so far:\nRest"
	assert len(core.note_text({"subjective": "x" * 50_000})) == core.MAX_NOTE


def test_a_request_is_an_openai_chat_completion_with_the_rules_first():
	body = core.request_body("m", core.REFERRAL, "[PATIENT] has a cough", "ENT specialist")
	assert body["model"] == "m" and body["messages"][0]["role"] == "system"
	assert "placeholder" in body["messages"][0]["content"]
	assert body["messages"][1]["content"].endswith("[PATIENT] has a cough")
	assert "ENT specialist" in body["messages"][1]["content"]


def test_the_answer_and_its_usage_are_read():
	answer = core.answer_of(completion('{"letter": "Dear colleague"}'))
	assert answer.content == '{"letter": "Dear colleague"}'
	assert (answer.model, answer.prompt_tokens, answer.completion_tokens) == ("local-model", 120, 40)
	assert core.answer_of(completion("x", usage=None)).prompt_tokens is None


@pytest.mark.parametrize(
	"body",
	[
		{},
		{"choices": []},
		{"choices": [{"message": {}}]},
		{"choices": [{"message": {"content": " "}}]},
		[],
		"x",
	],
)
def test_a_malformed_completion_is_refused(body):
	with pytest.raises(core.MalformedAnswer):
		core.answer_of(body)


def test_drafts_are_read_bare_fenced_or_in_prose():
	plan = {"plan": "Paracetamol; review in 3 days", "letter": "Dear [PATIENT], ..."}
	assert core.parse(core.PLAN, json.dumps(plan)) == plan
	assert core.parse(core.PLAN, "```json\n" + json.dumps(plan) + "\n```") == plan
	assert core.parse(core.REFERRAL, 'Here it is: {"letter": "Dear Dr"} Thanks') == {"letter": "Dear Dr"}


@pytest.mark.parametrize(
	"feature,content",
	[
		(core.PLAN, '{"plan": "x"}'),
		(core.PLAN, "no json at all"),
		(core.REFERRAL, '{"letter": 3}'),
		(core.REFERRAL, "[1, 2]"),
		(core.ICD10, '{"codes": "J06.9"}'),
		(core.PLAN, "{not json}"),
	],
)
def test_a_draft_without_what_was_asked_is_malformed(feature, content):
	with pytest.raises(core.MalformedAnswer):
		core.parse(feature, content)


def test_only_well_formed_icd10_codes_come_through_once_each():
	content = json.dumps(
		{
			"codes": [
				{"code": "j06.9", "why": "upper respiratory infection"},
				{"code": "J06.9", "why": "again"},
				{"code": "U07.1"},
				"R05",
				{"code": "not a code"},
				{"code": 42},
			]
		}
	)
	assert core.parse(core.ICD10, content) == {
		"codes": [
			{"code": "J06.9", "why": "upper respiratory infection"},
			{"code": "R05", "why": ""},
		]
	}


def test_a_provider_on_a_private_network_is_told_apart():
	assert core.private(["127.0.0.1"]) and core.private(["10.1.2.3"]) and core.private(["::1"])
	assert core.private(["169.254.169.254"]) and core.private(["192.168.0.10", "8.8.8.8"])
	assert core.private(["fe80::1%eth0"]) and core.private(["not-an-ip"])
	assert not core.private(["8.8.8.8", "2606:4700:4700::1111"])
