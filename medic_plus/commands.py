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


commands = [medic_plus_demo]
