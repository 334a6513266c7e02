from medic_plus.core.membership import (
	Membership,
	choose_active_practice,
	is_platform_admin,
	needed_roles,
	practices_with_role,
	role_changes,
)


def test_each_membership_role_needs_its_frappe_role():
	ms = [Membership("A", "Admin"), Membership("B", "Doctor"), Membership("C", "Receptionist")]
	assert needed_roles(ms) == {"Practice Admin", "Practice Doctor", "Practice Receptionist"}


def test_inactive_membership_needs_nothing():
	assert needed_roles([Membership("A", "Doctor", is_active=False)]) == set()


def test_role_is_added_for_a_new_membership():
	assert role_changes(["System User"], [Membership("A", "Doctor")]) == ({"Practice Doctor"}, set())


def test_role_stays_while_another_active_membership_needs_it():
	ms = [Membership("A", "Doctor", is_active=False), Membership("B", "Doctor")]
	assert role_changes(["Practice Doctor"], ms) == (set(), set())


def test_role_goes_when_no_active_membership_needs_it():
	ms = [Membership("A", "Doctor", is_active=False)]
	assert role_changes(["Practice Doctor", "System Manager"], ms) == (set(), {"Practice Doctor"})


def test_non_practice_roles_are_never_touched():
	add, remove = role_changes(["System Manager", "Physician"], [])
	assert add == set() and remove == set()


def test_platform_admins():
	assert is_platform_admin("Administrator", [])
	assert is_platform_admin("a@x", ["System Manager"])
	assert is_platform_admin("a@x", ["Healthcare Administrator"])
	assert not is_platform_admin("a@x", ["Practice Admin", "Physician"])


def test_practices_with_role_lists_active_ones_sorted():
	ms = [
		Membership("B", "Admin"),
		Membership("A", "Admin"),
		Membership("C", "Admin", False),
		Membership("D", "Doctor"),
	]
	assert practices_with_role(ms, ["Admin"]) == ["A", "B"]


def test_active_practice_keeps_a_valid_choice():
	ms = [Membership("A", "Doctor"), Membership("B", "Doctor")]
	assert choose_active_practice("B", ms) == "B"


def test_active_practice_falls_back_to_the_oldest_membership():
	ms = [Membership("A", "Doctor"), Membership("B", "Doctor")]
	assert choose_active_practice("Z", ms) == "A"
	assert choose_active_practice(None, ms) == "A"


def test_no_active_practice_without_memberships():
	assert choose_active_practice("A", [Membership("A", "Doctor", is_active=False)]) is None
