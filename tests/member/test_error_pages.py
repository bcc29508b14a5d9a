"""Error pages in the club's look and the reader's language, with a way back (Django's
own said "403 Forbidden" or "Not Found" in English and nothing else)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_missing_page_says_so_and_links_back(client):
    for language, words in (("ru", "Такой страницы нет"), ("en", "There is no such page")):
        response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 404
        page = response.content.decode()
        assert words in page and 'data-status="404"' in page
        assert f'href="{reverse("bonuses:me")}"' in page


def test_a_staff_page_refused_to_the_front_desk_leads_back_to_the_dashboard(
    client, django_user_model
):
    from django.contrib.auth.models import Group

    desk = django_user_model.objects.create_user("desk-user", password="pw", is_staff=True)
    desk.groups.add(Group.objects.get(name="Front desk"))
    client.force_login(desk)
    response = client.get(reverse("admin:month_close"), HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Эта страница вам недоступна" in page and 'data-status="403"' in page
    assert f'href="{reverse("admin:index")}"' in page
