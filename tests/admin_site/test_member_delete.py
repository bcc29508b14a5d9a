"""Deleting members: only a member with no followers, payments or ledger entries goes; the
others stay with a message saying why; the tree stays valid (services.member_delete)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from bonuses import services
from bonuses.models import Member
from tests.bonuses.engine_helpers import JUNE, NOW, pay
from tests.factories import enroll
from tests.imports.helpers import assert_tree_valid

pytestmark = pytest.mark.django_db

LIST = "admin:bonuses_member_changelist"


@pytest.fixture(autouse=True)
def _june(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def club(admin_user):
    top = enroll(first_name="Top")
    leaf = enroll(top, first_name="Leaf")
    payer = enroll(top, first_name="Payer")
    pay(payer, JUNE)
    credited = enroll(first_name="Credited")
    services.ledger_adjust(member=credited, amount="50", reason="gift", by=admin_user)
    return {"top": top, "leaf": leaf, "payer": payer, "credited": credited}


def test_the_service_deletes_a_leaf_and_keeps_the_tree_valid(club, admin_user):
    services.member_delete(member=club["leaf"], by=admin_user)
    assert not Member.objects.filter(pk=club["leaf"].pk).exists()
    assert Member.objects.get(pk=club["top"].pk).numchild == 1
    assert_tree_valid()
    gone = Member.history.filter(id=club["leaf"].pk).first()
    assert gone.history_type == "-" and gone.history_user == admin_user


@pytest.mark.parametrize(
    ("who", "reason"),
    [("top", "has followers"), ("payer", "has payments"), ("credited", "has ledger entries")],
)
def test_the_service_refuses_members_with_history_and_says_why(club, who, reason):
    with pytest.raises(ValidationError, match=reason):
        services.member_delete(member=club[who], by=None)
    assert Member.objects.filter(pk=club[who].pk).exists()


def test_delete_selected_confirms_then_deletes_only_what_may_go(admin_client, club):
    selected = [m.pk for m in club.values()]
    data = {"action": "delete_members", "_selected_action": selected}
    page = admin_client.post(reverse(LIST), data)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Top has followers" in text and "Payer has payments" in text
    assert "Credited has ledger entries" in text and "Yes, delete 1 member" in text
    response = admin_client.post(reverse(LIST), {**data, "post": "yes"}, follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert "1 member deleted." in messages
    assert any("has followers" in m for m in messages)
    assert set(Member.objects.values_list("first_name", flat=True)) == {"Top", "Payer", "Credited"}
    assert_tree_valid()


def test_django_s_own_delete_action_is_gone(admin_client, club):
    response = admin_client.get(reverse(LIST))
    assert (
        "delete_selected" not in response.context["action_form"].fields["action"].choices.__str__()
    )


def test_the_delete_page_of_a_member_with_followers_says_why(admin_client, club):
    url = reverse("admin:bonuses_member_delete", args=[club["top"].pk])
    response = admin_client.get(url, follow=True)
    assert "Top has followers" in response.content.decode()
    assert Member.objects.filter(pk=club["top"].pk).exists()


def test_the_delete_page_deletes_a_leaf(admin_client, club):
    url = reverse("admin:bonuses_member_delete", args=[club["leaf"].pk])
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not Member.objects.filter(pk=club["leaf"].pk).exists()
    assert_tree_valid()


def test_the_front_desk_cannot_delete(desk_client, club):
    data = {"action": "delete_members", "_selected_action": [club["leaf"].pk], "post": "yes"}
    desk_client.post(reverse(LIST), data)
    url = reverse("admin:bonuses_member_delete", args=[club["leaf"].pk])
    assert desk_client.post(url, {"post": "yes"}).status_code == 403
    assert Member.objects.filter(pk=club["leaf"].pk).exists()
