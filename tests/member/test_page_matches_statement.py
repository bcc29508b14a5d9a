"""The member page shows the same figures as `manage.py statement` for the same member
and month."""

import io
import json
import re
from decimal import Decimal

import pytest
from django.core.management import call_command

from bonuses import services
from bonuses.models import Member
from bonuses.services.demo import seed_club
from tests.bonuses.engine_helpers import APRIL

pytestmark = pytest.mark.django_db


def amount(text: str) -> Decimal:
    """`1 500,50 ₸` or `1 500.50 ₸` -> Decimal('1500.50')."""
    digits = text.replace("₸", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
    return Decimal(digits).quantize(Decimal("0.01"))


def by_id(page: str, element_id: str) -> str:
    return re.search(rf'id="{element_id}"[^>]*>([^<]*)<', page).group(1).strip()


def statement(member: Member) -> dict:
    out = io.StringIO()
    call_command("statement", member.referral_code, "--json", "--month", "2026-06", stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.parametrize("language", ["en", "ru"])
def test_page_numbers_equal_the_statement_command(member_client, language):
    seed_club(members=400, months=3, seed=11)
    services.month_close(period=APRIL)
    members = list(Member.objects.filter(numchild__gt=0).order_by("-numchild")[:6])
    members.append(Member.objects.filter(numchild=0, sponsor__isnull=False).first())
    for member in members:
        client = member_client(member)
        client.post("/i18n/setlang/", {"language": language, "next": "/me/"})
        page = client.get("/me/").content.decode()
        data = statement(member)
        rows = re.findall(
            r'<tr data-level="(\d+)"><td>\d+</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>',
            page,
        )
        assert [
            {"level": int(lv), "followers": int(f.replace("\xa0", "").replace(",", "")),
             "active": int(a.replace("\xa0", "").replace(",", "")), "earned": str(amount(e))}
            for lv, f, a, e in rows
        ] == data["levels"]  # fmt: skip
        assert str(amount(by_id(page, "referred-bonus"))) == data["referred_bonus"]
        assert str(amount(by_id(page, "month-total"))) == data["month_total"]
        assert str(amount(by_id(page, "previous-balance"))) == data["previous_balance"]
        assert str(amount(by_id(page, "pending"))) == data["this_month"]
        assert str(amount(by_id(page, "total"))) == data["balance"]
        if data["next_package"]:
            # "144 525 ₸ to go" / "осталось 144 525 ₸": the amount is the only number
            remaining = re.search(r"\d[\d\s.,]*", by_id(page, "remaining")).group()
            assert str(amount(remaining)) == data["next_package"]["remaining"]
        if data["sponsor"]:
            sponsor = Member.objects.get(pk=data["sponsor"]["id"])
            assert by_id(page, "sponsor-name") == sponsor.short_name
        assert Decimal(data["month_total"]) > 0 or member.numchild == 0
