"""close_month and statement commands: thin wrappers with stable output."""

import json

import pytest
from django.core.management import CommandError, call_command

from bonuses.models import MonthClose
from tests.bonuses.engine_helpers import MAY, NOW, worked_example

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _june(time_machine):
    time_machine.move_to(NOW, tick=False)


def test_close_month_dry_run_then_close(capsys):
    worked_example(MAY)
    call_command("close_month", "--month", "2026-05", "--dry-run")
    assert "2026-05 dry run" in capsys.readouterr().out
    assert not MonthClose.objects.exists()
    call_command("close_month")
    assert "2026-05 closed" in capsys.readouterr().out
    call_command("close_month")
    assert "Nothing to close" in capsys.readouterr().out


def test_close_month_refuses_this_month_with_a_readable_error():
    with pytest.raises(CommandError, match="past months"):
        call_command("close_month", "--month", "2026-06")
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("close_month", "--month", "June")


def test_statement_json_has_the_documented_fields(capsys):
    tree = worked_example(MAY)
    member = tree["member"]
    call_command("statement", member.referral_code, "--month", "2026-05", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["month"] == "2026-05"
    assert data["member"]["id"] == member.pk
    assert data["sponsor"]["id"] == tree["sponsor"].pk
    assert data["active"] is True
    assert data["levels"][0] == {"level": 1, "followers": 1, "active": 1, "earned": "1500.00"}
    assert data["referred_bonus"] == "750.00"
    assert data["month_total"] == "4050.00"
    assert data["previous_balance"] == "0.00"
    assert data["balance"] == "4050.00"
    assert data["next_package"] == {
        "name": "Classic", "threshold": "150000.00", "bonus": "0.00",
        "remaining": "145950.00", "percent": 2,
    }  # fmt: skip


def test_statement_text_and_unknown_member(capsys):
    tree = worked_example(MAY)
    tree["member"].external_id = "A-17"
    tree["member"].save()
    call_command("statement", "A-17", "--month", "2026-05")
    out = capsys.readouterr().out
    assert "month total    4050.00" in out
    with pytest.raises(CommandError, match="No single member"):
        call_command("statement", "nobody@example.test")
