from pathlib import Path

from medic_plus.tenancy import scope_doc

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_holds_the_scope_table_as_generated():
	text = README.read_text()
	start, end = text.index(scope_doc.BEGIN), text.index(scope_doc.END) + len(scope_doc.END)
	assert text[start:end] == scope_doc.markdown(), "run: python -m medic_plus.tenancy.scope_doc"
