import click
import frappe
from frappe.commands import get_site, pass_context


@click.command("medic-plus-demo")
@pass_context
def medic_plus_demo(context):
	"""Create two demo practices with doctors, schedules, patients and appointments."""
	from medic_plus.demo import DEMO_PASSWORD, create

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
	for practice in result:
		click.secho(practice["practice"], bold=True)
		click.echo(f"  booking page: {base}/book?practice={practice['slug']}")
		for email, role in practice["logins"]:
			click.echo(f"  {role:<13} {email}")
	click.echo(f"Password for every demo login: {DEMO_PASSWORD}")


commands = [medic_plus_demo]
