from medic_plus.core.membership import (
	ADMIN,
	PRACTICE_MODULE_PROFILE,
	Membership,
	blocked_modules,
	choose_active_practice,
	is_platform_admin,
	module_profile_for,
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


def test_a_practice_user_gets_the_practice_module_profile():
	member = [Membership("P1", ADMIN)]
	assert module_profile_for("a@x", None, ["Practice Admin"], member) == PRACTICE_MODULE_PROFILE
	assert module_profile_for("a@x", "", ["Practice Admin"], member) == PRACTICE_MODULE_PROFILE
	assert module_profile_for("a@x", PRACTICE_MODULE_PROFILE, [], member) == PRACTICE_MODULE_PROFILE


def test_a_profile_set_by_hand_stays():
	member = [Membership("P1", ADMIN)]
	assert module_profile_for("a@x", "Front Desk", ["Practice Admin"], member) == "Front Desk"
	assert module_profile_for("a@x", "Front Desk", [], []) == "Front Desk"


def test_the_practice_profile_goes_with_the_last_membership_or_to_a_platform_admin():
	ended = [Membership("P1", ADMIN, is_active=False)]
	assert module_profile_for("a@x", PRACTICE_MODULE_PROFILE, [], ended) is None
	member = [Membership("P1", ADMIN)]
	assert module_profile_for("a@x", PRACTICE_MODULE_PROFILE, ["System Manager"], member) is None
	assert module_profile_for("Administrator", None, [], member) is None
	assert module_profile_for("a@x", None, ["System Manager"], member) is None


def test_the_practice_profile_blocks_every_module_but_the_practices_own():
	assert blocked_modules(["Accounts", "Medic Plus", "Healthcare", "Core", "Accounts"]) == [
		"Accounts",
		"Core",
		"Healthcare",
	]
