import json

import click
import frappe
from frappe.commands import get_site, pass_context


@click.command("medic-plus-demo")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Also write the result as JSON.")
@pass_context
def medic_plus_demo(context, json_path=None):
	"""Create two demo practices with doctors, schedules, patients and appointments."""
	from medic_plus.demo import create

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		frappe.set_user("Administrator")
		result = create()
		frappe.db.commit()  # nosemgrep: a CLI command, outside any request
		base = frappe.utils.get_url()
	finally:
		frappe.destroy()
	for practice in result["practices"]:
		click.secho(practice["practice"], bold=True)
		click.echo(f"  booking page: {base}/book?practice={practice['slug']}")
		for email, role in practice["logins"]:
			click.echo(f"  {role:<13} {email}")
	click.echo(f"Password for every demo login: {result['password']}")
	click.echo(f"Desk: {base}/app/my-practice")
	for note in result["notes"]:
		click.secho(f"Note: {note}", fg="yellow")
	if json_path:
		with open(json_path, "w") as f:
			json.dump({**result, "url": base}, f, indent=1)


@click.command("medic-plus-load-codes")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--system", default="ICD-10", show_default=True, help="The Code System to load into.")
@pass_context
def medic_plus_load_codes(context, path, system="ICD-10"):
	"""Load ICD-10 codes into Code System / Code Value from a ClaML (.xml) or CSV file
	(a header with a code and a title column). Loading the same file again changes nothing."""
	from medic_plus.clinical.codes import load_file

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		frappe.set_user("Administrator")
		try:
			counts = load_file(path, system)
		except frappe.ValidationError as e:
			frappe.db.rollback()
			raise click.ClickException(str(e)) from None
		frappe.db.commit()  # nosemgrep: a CLI command, outside any request
	finally:
		frappe.destroy()
	click.echo(
		f"{system}: {counts['inserted']} codes added, {counts['updated']} titles updated, "
		f"{counts['unchanged']} unchanged."
	)


commands = [medic_plus_demo, medic_plus_load_codes]
