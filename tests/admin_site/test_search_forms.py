"""Every search box and autocomplete of the admin finds people by the same rule
(bonuses.selectors.search): Cyrillic in any case, ё for е, names in either order, part of
an email or phone in any local form, the club number."""

import pytest
from django.urls import reverse

from bonuses import services
from core.periods import current_period
from tests.factories import enroll

pytestmark = pytest.mark.django_db

TYPED = [
    "АРТЁМ",
    "артем семина",
    "Сёмина Артём",
    "СЕМИНА",
    "semin@exa",
    "8 701 123 45",
    "+7 701 123",
    "701 123 45 67",
    "c-1001",
]


@pytest.fixture
def people(admin_user, django_user_model):
    artyom = enroll(
        last_name="Сёмина",
        first_name="Артём",
        email="artyom.semin@example.test",
        phone="+77011234567",
        external_id="C-1001",
        user=django_user_model.objects.create_user("artyom"),
    )
    other = enroll(last_name="Семенова", first_name="Анна", phone="+77017654321")
    for member in (artyom, other):
        services.payment_mark_paid(member=member, period=current_period())
        services.ledger_adjust(member=member, amount="100", reason="welcome", by=admin_user)
    return artyom, other


@pytest.mark.parametrize("text", TYPED)
def test_member_list_search(admin_client, people, text):
    response = admin_client.get(reverse("admin:bonuses_member_changelist"), {"q": text})
    assert [m.pk for m in response.context["cl"].result_list] == [people[0].pk]


@pytest.mark.parametrize("text", TYPED)
def test_payments_search(admin_client, people, text):
    response = admin_client.get(reverse("admin:bonuses_payment_changelist"), {"q": text})
    assert [p.member_id for p in response.context["cl"].result_list] == [people[0].pk]


@pytest.mark.parametrize("text", TYPED)
def test_ledger_search(admin_client, people, text):
    response = admin_client.get(reverse("admin:bonuses_ledgerentry_changelist"), {"q": text})
    assert [e.member_id for e in response.context["cl"].result_list] == [people[0].pk]


# Every member picker: the sponsor (member form, member lookup), a payment's member, the
# ledger's member filter and its claim / payout / adjustment pages.
PICKERS = [("member", "sponsor"), ("payment", "member"), ("ledgerentry", "member")]


@pytest.mark.parametrize("model,field", PICKERS)
@pytest.mark.parametrize("text", TYPED)
def test_member_autocompletes(admin_client, people, model, field, text):
    params = {"app_label": "bonuses", "model_name": model, "field_name": field, "term": text}
    response = admin_client.get(reverse("admin:autocomplete"), params)
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(people[0].pk)]


def test_login_autocomplete_finds_a_login_by_its_member_or_its_beginning(admin_client, people):
    params = {"app_label": "bonuses", "model_name": "member", "field_name": "user"}
    for text in ("Артём Сёмина", "8 701 123 45 67", "artyo"):
        response = admin_client.get(reverse("admin:autocomplete"), {**params, "term": text})
        assert [r["text"] for r in response.json()["results"]] == ["artyom"], text


def test_lookup_picker_finds_by_the_same_rule(admin_client, people):
    """The member lookup's picker is the sponsor field's autocomplete; the page then shows
    the member it was given."""
    response = admin_client.get(reverse("admin:bonuses_member_lookup"))
    assert 'data-field-name="sponsor"' in response.content.decode()
    response = admin_client.get(reverse("admin:bonuses_member_lookup"), {"member": people[0].pk})
    assert response.context["member"] == people[0]
