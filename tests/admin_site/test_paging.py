"""Lists paged without a count: a page past the end goes back to the first page."""

import re
from unittest.mock import patch

import pytest
from django.urls import reverse

from admin_site.ledger import LedgerEntryAdmin
from bonuses import services
from tests.factories import enroll

pytestmark = pytest.mark.django_db

LISTS = [
    "bonuses_ledgerentry",
    "bonuses_member",
    "bonuses_payment",
    "bonuses_statementmail",
]


@pytest.mark.parametrize("model", LISTS)
def test_a_page_past_the_end_goes_to_the_first_page_saying_why(admin_client, model):
    url = reverse(f"admin:{model}_changelist")
    response = admin_client.get(url, {"p": "7", "o": "1"})
    assert response.status_code == 302
    # The same list, its ordering kept, from the start.
    assert response["Location"] == f"{url}?o=1"
    page = admin_client.get(response["Location"])
    assert page.status_code == 200
    [message] = [str(m) for m in page.context["messages"]]
    assert message == "Page 7 is past the end of the list: here is the first page."


@pytest.mark.parametrize("model", LISTS)
def test_an_uncounted_list_shows_no_count(admin_client, model):
    # Unfold hides the count by the paginator's class name; a subclass of ours showed its
    # stand-in count as "9 999 999 999 results (Show all)".
    enroll()
    response = admin_client.get(reverse(f"admin:{model}_changelist"), {"q": "x"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "9\N{NO-BREAK SPACE}999" not in page and "9,999" not in page and "9999999999" not in page
    assert "Show all" not in page


def test_select_all_across_pages_names_the_real_count(admin_client):
    from admin_site.members import MemberAdmin

    for n in range(3):
        enroll(last_name="Тройкина", first_name=f"Ая{n}")
    enroll(last_name="Другая")
    url = reverse("admin:bonuses_member_changelist")
    with patch.object(MemberAdmin, "list_per_page", 2):
        page = admin_client.get(url, {"q": "Тройкина"}).content.decode()
    assert "Select all 3 members" in page and "All 3 selected" in page
    # A list that fits on its page offers nothing across pages.
    page = admin_client.get(url, {"q": "Тройкина"}).content.decode()
    assert "Click here to select the objects across" not in page


def test_select_all_is_not_offered_past_the_bulk_limit(admin_client):
    from admin_site import paging
    from admin_site.members import MemberAdmin

    for n in range(4):
        enroll(last_name="Многова", first_name=f"Ая{n}")
    url = reverse("admin:bonuses_member_changelist")
    with patch.object(MemberAdmin, "list_per_page", 2), patch.object(paging, "SELECT_ALL_LIMIT", 3):
        page = admin_client.get(url, {"q": "Многова"}).content.decode()
    assert "Click here to select the objects across" not in page
    assert "0 of 2 selected" in page


def _next_offered(response) -> bool:
    return bool(re.search(r'<a href="[^"]*p=\d+[^"]*"[^>]*>\s*Next', response.content.decode()))


def test_next_is_offered_only_when_another_page_exists(admin_client):
    # A full last page offered Next, which led back to the first page.
    from admin_site.members import MemberAdmin

    url = reverse("admin:bonuses_member_changelist")

    def offered(pages):
        with patch.object(MemberAdmin, "list_per_page", 2):
            return [_next_offered(admin_client.get(url, {"q": "Пагинова", "p": p})) for p in pages]

    for n in range(4):
        enroll(last_name="Пагинова", first_name=f"Ая{n}")
    assert offered([1, 2]) == [True, False]  # two full pages, the second the last
    enroll(last_name="Пагинова", first_name="Ая4")
    assert offered([1, 2, 3]) == [True, True, False]


def test_next_past_the_select_all_limit_asks_for_one_row(admin_client):
    from admin_site import paging
    from admin_site.members import MemberAdmin

    for n in range(6):
        enroll(last_name="Глубокова", first_name=f"Ая{n}")
    url = reverse("admin:bonuses_member_changelist")
    with patch.object(MemberAdmin, "list_per_page", 2), patch.object(paging, "SELECT_ALL_LIMIT", 2):
        pages = [admin_client.get(url, {"q": "Глубокова", "p": p}) for p in (1, 2, 3)]
    assert [_next_offered(r) for r in pages] == [True, True, False]


def test_a_page_with_rows_is_shown_as_before(admin_client, admin_user):
    member = enroll(first_name="Ая")
    for n in range(3):
        services.ledger_adjust(member=member, amount=str(10 + n), reason=f"r{n}", by=admin_user)
    url = reverse("admin:bonuses_ledgerentry_changelist")
    with patch.object(LedgerEntryAdmin, "list_per_page", 2):
        second = admin_client.get(url, {"p": "2"})
        third = admin_client.get(url, {"p": "3", "kind__exact": "adjustment"})
    assert second.status_code == 200
    assert [e.reason for e in second.context["cl"].result_list] == ["r0"]
    assert third.status_code == 302  # past the end now
    assert third["Location"] == f"{url}?kind__exact=adjustment"


def _picker(admin_client, term, page=1):
    params = {"app_label": "bonuses", "model_name": "member", "field_name": "sponsor"}
    response = admin_client.get(
        reverse("admin:autocomplete"), {**params, "term": term, "page": page}
    )
    assert response.status_code == 200
    return response.json()


def test_the_member_picker_offers_more_only_when_more_match(admin_client):
    # select2 loads another page whenever "more" is true: a single match offered more.
    enroll(last_name="Одинокова")
    for n in range(20):  # the autocomplete's page size
        enroll(last_name="Двадцатова", first_name=f"Ая{n:02}")
    alone = _picker(admin_client, "Одинокова")
    assert len(alone["results"]) == 1 and alone["pagination"]["more"] is False
    full = _picker(admin_client, "Двадцатова")
    assert len(full["results"]) == 20 and full["pagination"]["more"] is False
    enroll(last_name="Двадцатова", first_name="Ая20")
    first, second = _picker(admin_client, "Двадцатова"), _picker(admin_client, "Двадцатова", 2)
    assert len(first["results"]) == 20 and first["pagination"]["more"] is True
    assert len(second["results"]) == 1 and second["pagination"]["more"] is False
