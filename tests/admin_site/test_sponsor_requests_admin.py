"""The sponsor requests admin: the waiting list with what each move carries and changes,
the sidebar badge, approval with the move's confirmation, rejection with a reason."""

import re

import pytest
from django.urls import reverse

from bonuses import services
from bonuses.models import SponsorRequest
from tests.bonuses.engine_helpers import JUNE, MAY, NOW, pay
from tests.factories import chain, enroll

pytestmark = pytest.mark.django_db

LIST = "admin:bonuses_sponsorrequest_changelist"


@pytest.fixture(autouse=True)
def _june(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def waiting():
    enroll(first_name="Aigerim", email="aigerim@example.test")
    member, follower, _ = chain(3)
    pay(follower, MAY)
    pay(member, JUNE)
    return services.sponsor_request_create(member=member, text="aigerim@example.test")


def decide_url(request):
    return reverse("admin:bonuses_sponsorrequest_change", args=[request.pk])


def test_the_list_shows_waiting_requests_with_moves_and_months(
    admin_client, waiting, django_assert_max_num_queries
):
    for _ in range(5):
        services.sponsor_request_create(member=chain(2)[0], text="nobody@example.test")
    with django_assert_max_num_queries(20):
        response = admin_client.get(reverse(LIST))
    page = response.content.decode()
    rows = response.context["cl"].result_list
    assert len(rows) == 6 and rows[0].pk == waiting.pk  # oldest waiting first
    assert rows[0].effect.moving == 3
    assert "2026-05, 2026-06" in page
    decided = services.sponsor_request_create(member=enroll(), text="x@example.test")
    services.sponsor_request_reject(sponsor_request=decided, by=None, reason="no")
    assert decided.pk not in {
        r.pk for r in admin_client.get(reverse(LIST)).context["cl"].result_list
    }
    every = admin_client.get(reverse(LIST), {"status": "all"}).context["cl"].result_list
    assert decided.pk in {r.pk for r in every}


def test_the_sidebar_counts_waiting_requests(admin_client, waiting):
    page = admin_client.get(reverse("admin:index")).content.decode()
    item = re.search(r"Sponsor requests</span>(.*?)</a>", page, re.S).group(1)
    assert ">1<" in item.replace(" ", "").replace("\n", "")


def test_approving_asks_for_the_move_confirmation_then_moves_the_branch(
    admin_client, admin_user, waiting
):
    page = admin_client.get(decide_url(waiting)).content.decode()
    assert 'id="members-moving">3<' in page
    assert "Yes, move" in page and "their 2 followers (3 members)" in page
    response = admin_client.post(decide_url(waiting), {"decision": "approve"})
    assert "Tick the box" in response.content.decode()
    assert SponsorRequest.objects.get(pk=waiting.pk).status == "pending"
    response = admin_client.post(decide_url(waiting), {"decision": "approve", "confirm": "on"})
    assert response.status_code == 302
    waiting.refresh_from_db()
    waiting.member.refresh_from_db()
    assert waiting.status == "approved" and waiting.decided_by == admin_user
    assert waiting.member.sponsor.first_name == "Aigerim"


def test_rejecting_needs_a_reason_the_member_then_reads(admin_client, waiting, client):
    response = admin_client.post(decide_url(waiting), {"decision": "reject", "reason": ""})
    assert "Say why" in response.content.decode()
    admin_client.post(decide_url(waiting), {"decision": "reject", "reason": "Not your sponsor."})
    waiting.refresh_from_db()
    assert waiting.status == "rejected" and waiting.reason == "Not your sponsor."
    assert waiting.member.sponsor is None


def test_a_request_naming_nobody_or_the_own_branch_can_only_be_rejected(admin_client):
    member, follower = chain(2)
    inside = services.sponsor_request_create(member=member, text=follower.referral_code)
    page = admin_client.get(decide_url(inside)).content.decode()
    assert 'id="move-error"' in page and 'id="approve-form"' not in page
    nobody = services.sponsor_request_create(member=enroll(), text="who@example.test")
    page = admin_client.get(decide_url(nobody)).content.decode()
    assert "names no member of the club" in page and 'id="approve-form"' not in page
    response = admin_client.post(decide_url(nobody), {"decision": "approve", "confirm": "on"})
    assert "names no member" in response.content.decode()


def test_a_decided_request_shows_no_buttons(admin_client, waiting, admin_user):
    services.sponsor_request_reject(sponsor_request=waiting, by=admin_user, reason="no")
    page = admin_client.get(decide_url(waiting)).content.decode()
    assert 'id="reject-form"' not in page and "rejected" in page


@pytest.mark.parametrize(
    ("object_id", "status"), [("abc", 404), ("99999999", 404), ("9" * 30, 404), ("1%00", 400)]
)
def test_unknown_request_ids_are_4xx(admin_client, object_id, status):
    url = reverse(LIST) + f"{object_id}/change/"
    assert admin_client.get(url).status_code == status
