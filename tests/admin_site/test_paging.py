"""Lists paged without a count: a page past the end goes back to the first page."""

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
