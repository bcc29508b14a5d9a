"""A members file may do only what the person importing it may do (README, "Roles"):
the front desk adds members and new logins but does not link existing logins or move
branches; nobody gives a member a staff login. Errors name the row and column."""

import pytest
from django.contrib.auth.models import Group

from admin_site.roles import ADMINISTRATOR
from bonuses.imports.members import plan_members, read_members
from bonuses.imports.run import run_import
from bonuses.models import Member
from tests.factories import chain

from .helpers import csv_bytes, member_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(django_user_model):
    user = django_user_model.objects.create_user("chief", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=ADMINISTRATOR))
    return user


def errors(rows, by):
    plan = plan_members(read_members(csv_bytes(rows), "m.csv"), by=by)
    return [(e.row, e.column, e.message) for e in plan.errors]


def test_the_desk_may_create_a_new_login_for_a_new_member(desk_user):
    assert errors([member_row("N1", "Nova", username="nova", email="n@x.kz")], desk_user) == []


def test_the_desk_may_not_link_an_existing_login(desk_user, administrator, django_user_model):
    django_user_model.objects.create_user("orphan", password="pw")
    rows = [member_row("N1", "Nova", username="orphan")]
    assert errors(rows, desk_user) == [
        (
            2,
            "username",
            "Only an administrator can link an existing login or change a member's login.",
        )
    ]
    assert errors(rows, administrator) == []


def test_the_desk_may_not_change_a_members_login(desk_user):
    member = chain(1)[0]
    Member.objects.filter(pk=member.pk).update(external_id="E1")
    rows = [member_row("E1", "Member", username="fresh-login")]
    assert [e[1] for e in errors(rows, desk_user)] == ["username"]


@pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
def test_nobody_gives_a_member_a_staff_login(administrator, django_user_model, flag):
    django_user_model.objects.create_user("boss-login", password="pw", **{flag: True})
    rows = [member_row("N1", "Nova", username="boss-login")]
    message = "“boss-login” is a staff login: it cannot be a member's login."
    assert errors(rows, administrator) == [(2, "username", message)]
    assert errors(rows, None) == [(2, "username", message)]


def test_the_desk_may_not_move_a_member_with_followers(desk_user, administrator):
    top, middle, _ = chain(3)
    other = chain(1)[0]
    Member.objects.filter(pk=middle.pk).update(external_id="M1")
    Member.objects.filter(pk=other.pk).update(external_id="O1")
    rows = [member_row("M1", "Middle", sponsor="O1")]
    assert errors(rows, desk_user) == [
        (
            2,
            "sponsor",
            "This member has followers: only an administrator can move a member together "
            "with their branch.",
        )
    ]
    outcome = run_import("members", csv_bytes(rows), "m.csv", dry_run=False, by=administrator)
    assert outcome.written
    assert Member.objects.get(pk=middle.pk).sponsor_id == other.pk


def test_the_desk_may_not_move_a_member_whose_followers_come_in_the_same_file(desk_user):
    member, other = chain(1)[0], chain(1)[0]
    Member.objects.filter(pk=member.pk).update(external_id="M1")
    Member.objects.filter(pk=other.pk).update(external_id="O1")
    rows = [member_row("M1", "Member", sponsor="O1"), member_row("F1", "New", sponsor="M1")]
    assert [e[1] for e in errors(rows, desk_user)] == ["sponsor"]


def test_the_desk_may_place_a_member_without_followers(desk_user):
    member, other = chain(1)[0], chain(1)[0]
    Member.objects.filter(pk=member.pk).update(external_id="M1")
    Member.objects.filter(pk=other.pk).update(external_id="O1")
    assert errors([member_row("M1", "Member", sponsor="O1")], desk_user) == []
