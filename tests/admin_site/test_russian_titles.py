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
