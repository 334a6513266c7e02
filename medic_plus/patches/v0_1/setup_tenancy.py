from medic_plus.install import setup


def execute():
	setup()
