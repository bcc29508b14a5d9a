"""Russian titles put a model's name after a colon: the name is stored in the nominative
and Django's wording ("Добавить оплата") would need another case."""

import re

import pytest
from django.urls import reverse

from tests.factories import enroll

pytestmark = pytest.mark.django_db


def _title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1).strip()


def test_russian_admin_titles_need_no_declension(admin_client):
    member = enroll()
    ru = {"HTTP_ACCEPT_LANGUAGE": "ru"}
    pages = {
        reverse("admin:bonuses_payment_add"): "Добавление: оплата",
        reverse("admin:bonuses_member_change", args=[member.pk]): "Изменение: участник",
        reverse("admin:bonuses_member_changelist"): "Выбор для изменения: участник",
    }
    for url, title in pages.items():
        response = admin_client.get(url, **ru)
        assert response.status_code == 200
        assert title in _title(response), (url, _title(response))
    listing = admin_client.get(reverse("admin:bonuses_member_changelist"), **ru).content.decode()
    assert "Добавить: участник" in listing and "Добавить участник" not in listing


def test_english_titles_keep_djangos_wording(admin_client):
    response = admin_client.get(reverse("admin:bonuses_payment_add"), HTTP_ACCEPT_LANGUAGE="en")
    assert _title(response).startswith("Add payment")


def test_select_all_reads_without_a_wrong_case(admin_client):
    from unittest.mock import patch

    from admin_site.members import MemberAdmin

    for n in range(3):
        enroll(last_name="Тройкина", first_name=f"Ая{n}")
    url = reverse("admin:bonuses_member_changelist")
    with patch.object(MemberAdmin, "list_per_page", 2):
        page = admin_client.get(url, {"q": "Тройкина"}, HTTP_ACCEPT_LANGUAGE="ru")
    assert "Выбрать все найденные (участники): 3" in page.content.decode()
