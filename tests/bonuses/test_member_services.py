import pytest
from django.core.exceptions import ValidationError

from bonuses import services
from bonuses.models import Member
from tests.factories import chain, enroll

pytestmark = pytest.mark.django_db


def assert_tree_valid():
    assert Member.objects.find_problems() == ([], [], [], [], [])
    for member in Member.objects.select_related("sponsor"):
        parent = Member.objects.get_parent(member)
        assert member.sponsor_id == (parent.pk if parent else None), member


def test_enroll_root_and_children_build_levels():
    root = enroll()
    child = enroll(root)
    grandchild = enroll(child)
    assert (root.depth, child.depth, grandchild.depth) == (1, 2, 3)
    assert grandchild.sponsor == child
    assert list(Member.objects.get_descendants(root)) == [child, grandchild]
    assert_tree_valid()


def test_enroll_normalises_email_and_phone_and_makes_a_referral_code():
    member = enroll(email="  Anna@Example.TEST ", phone="8 705 741 96 36")
    assert member.email == "anna@example.test"
    assert str(member.phone) == "+77057419636"
    assert len(member.referral_code) >= 11
    assert member.referral_code != enroll().referral_code


def test_enroll_refuses_invalid_phone_and_duplicates():
    enroll(email="a@example.test", phone="+77057419636", external_id="42")
    with pytest.raises(ValidationError) as exc:
        enroll(phone="12345")
    assert "phone" in exc.value.message_dict
    for field, value in [
        ("email", "A@example.test"),
        ("phone", "87057419636"),
        ("external_id", "42"),
    ]:
        with pytest.raises(ValidationError) as exc:
            enroll(**{field: value})
        assert field in exc.value.message_dict or "__all__" in exc.value.message_dict
    assert Member.objects.count() == 1


def test_move_subtree_keeps_levels_below():
    a, b = enroll(), enroll()
    a1, a2 = chain(2, a)
    moved = services.member_change_sponsor(member=a1, sponsor=b)
    assert moved.sponsor == b and moved.depth == 2
    a2.refresh_from_db()
    assert a2.depth == 3 and Member.objects.get_parent(a2) == moved
    assert list(Member.objects.get_descendants(Member.objects.get(pk=b.pk))) == [moved, a2]
    assert not Member.objects.get_descendants(Member.objects.get(pk=a.pk)).exists()
    assert_tree_valid()


def test_remove_sponsor_makes_a_root_with_its_downline():
    root = enroll()
    child, grandchild = chain(2, root)
    moved = services.member_remove_sponsor(member=child)
    assert moved.sponsor is None and moved.is_root()
    grandchild.refresh_from_db()
    assert grandchild.depth == 2
    assert_tree_valid()


def test_sponsor_cannot_be_self():
    member = enroll()
    with pytest.raises(ValidationError) as exc:
        services.member_change_sponsor(member=member, sponsor=member)
    assert "own sponsor" in exc.value.message_dict["sponsor"][0]


@pytest.mark.parametrize("level", [1, 3])
def test_sponsor_cannot_be_own_descendant(level):
    top = enroll()
    below = chain(level, top)
    with pytest.raises(ValidationError) as exc:
        services.member_change_sponsor(member=top, sponsor=below[-1])
    assert f"level {level}" in exc.value.message_dict["sponsor"][0]
    assert_tree_valid()
    assert Member.objects.get(pk=below[0].pk).sponsor_id == top.pk


def test_sponsor_that_no_longer_exists_is_refused():
    member, ghost = enroll(), enroll()
    Member.objects.filter(pk=ghost.pk).delete()
    with pytest.raises(ValidationError) as exc:
        services.member_change_sponsor(member=member, sponsor=ghost)
    assert "no longer exists" in exc.value.message_dict["sponsor"][0]
    with pytest.raises(ValidationError):
        enroll(ghost)


def test_moving_to_current_sponsor_changes_nothing():
    root = enroll()
    child = enroll(root)
    path = child.path
    assert services.member_change_sponsor(member=child, sponsor=root).path == path


def test_change_sponsor_is_recorded_in_history(django_user_model):
    staff = django_user_model.objects.create_user("staff")
    a, b = enroll(), enroll()
    child = enroll(a)
    services.member_change_sponsor(member=child, sponsor=b, by=staff)
    latest = Member.history.filter(id=child.pk).latest("history_date")
    assert latest.sponsor_id == b.pk and latest.history_user == staff


def test_referral_codes_never_read_as_a_command_line_option():
    from bonuses.models.members import new_referral_code

    codes = {new_referral_code() for _ in range(5000)}
    assert len(codes) == 5000
    assert not any(code.startswith("-") for code in codes)
