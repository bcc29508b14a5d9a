"""The README's role table, row by row: each row is tried by the front desk (the group
from admin_site's migration) and by an administrator (the "Administrator" group, not a
superuser), and must be allowed or refused exactly as the table says."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from admin_site.roles import ADMINISTRATOR
from bonuses import services
from bonuses.models import ImportJob, LedgerEntry, Member, SponsorRequest
from tests.bonuses.engine_helpers import JUNE, MAY, NOW, pay
from tests.factories import enroll
from tests.imports.helpers import csv_bytes, member_row

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(autouse=True)
def _june(time_machine, settings, tmp_path):
    time_machine.move_to(NOW, tick=False)
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def club(admin_user):
    """A sponsor with a member who has a follower, a leaf without history, a login
    without a member, and a pending sponsor request."""
    top = enroll(first_name="Top", external_id="T1")
    middle = enroll(top, first_name="Middle", email="middle@example.test", external_id="M1")
    enroll(middle, first_name="Leaf", external_id="L1")
    loner = enroll(first_name="Loner", external_id="X1")
    pay(middle, JUNE)
    services.ledger_adjust(member=middle, amount="100", reason="opening", by=admin_user)
    request = services.sponsor_request_create(member=loner, text=top.referral_code)
    return {"top": top, "middle": middle, "loner": loner, "request": request}


def ok(response) -> bool:
    return response.status_code in (200, 302)


def member_form(member, **changes) -> dict:
    data = {
        "last_name": member.last_name,
        "first_name": member.first_name,
        "middle_name": "",
        "sponsor": member.sponsor_id or "",
        "phone": str(member.phone or ""),
        "email": member.email,
        "address": "",
        "birth_date": "",
        "external_id": member.external_id,
        "joined_on": member.joined_on.isoformat(),
    }
    data.update(changes)
    return data


def change(client, member, **changes):
    url = reverse("admin:bonuses_member_change", args=[member.pk])
    return client.post(url, member_form(member, **changes))


# --- one probe per row: True when the user could do it -------------------------------


def see_members(client, club, user):
    member = club["middle"]
    return all(
        ok(client.get(url))
        for url in (
            reverse("admin:bonuses_member_changelist"),
            reverse("admin:bonuses_member_change", args=[member.pk]),
            reverse("admin:bonuses_member_lookup") + f"?member={member.pk}",
            reverse("admin:bonuses_member_downline", args=[member.pk]),
        )
    )


def add_and_edit_members(client, club, user):
    add = client.post(
        reverse("admin:bonuses_member_add"),
        {**member_form(club["loner"]), "first_name": "Newcomer", "external_id": "N1"},
    )
    change(client, club["loner"], email="loner@example.test")
    return (
        ok(add)
        and Member.objects.filter(external_id="N1").exists()
        and Member.objects.get(pk=club["loner"].pk).email == "loner@example.test"
    )


def place_a_member_without_followers(client, club, user):
    leaf = enroll(first_name="Fresh")
    change(
        client, leaf, sponsor=club["top"].pk, _confirmed="yes"
    )  # as the confirmation page posts it
    return Member.objects.get(pk=leaf.pk).sponsor_id == club["top"].pk


def move_a_member_with_followers(client, club, user):
    middle = club["middle"]
    form = change(
        client, middle, sponsor=club["loner"].pk, _confirmed="yes"
    )  # as the confirmation page posts it
    moved = Member.objects.get(pk=middle.pk).sponsor_id == club["loner"].pk
    if not moved:
        assert "only an administrator can move" in form.content.decode()
    # The same move by import.
    data = csv_bytes([member_row("M1", "Middle", sponsor="T1")])
    client.post("/admin/import/", {"kind": "members", "file": SimpleUploadedFile("m.csv", data)})
    job = ImportJob.objects.latest("pk")
    if moved:
        return not job.result["errors"]
    return any("only an administrator" in e["message"] for e in job.result["errors"])


def link_a_login(client, club, user):
    from django.contrib.auth import get_user_model

    login = get_user_model().objects.create_user("fresh-login", password="pw")
    change(client, club["loner"], user=login.pk)
    linked = Member.objects.get(pk=club["loner"].pk).user_id == login.pk
    # Never a staff login: not the user's own account, whoever posts it.
    change(client, club["top"], user=user.pk)
    assert Member.objects.get(pk=club["top"].pk).user_id is None
    return linked


def hand_out_a_claim_code(client, club, user):
    response = client.post(reverse("admin:bonuses_member_claim_code", args=[club["loner"].pk]))
    return response.status_code == 200 and re.search(
        r'id="claim-code">[A-Z2-9-]{14}<', response.content.decode()
    )


def mark_payments(client, club, user):
    url = reverse("admin:bonuses_member_paid", args=[club["loner"].pk])
    return ok(client.post(url, {"paid": "1"})) and all(
        ok(client.get(reverse(name)))
        for name in ("admin:bonuses_payment_changelist", "admin:bonuses_payment_month")
    )


def import_members_and_payments(client, club, user):
    data = csv_bytes([member_row("I1", "Imported")])
    response = client.post(
        "/admin/import/", {"kind": "members", "file": SimpleUploadedFile("m.csv", data)}
    )
    return ok(response) and ImportJob.objects.filter(created_by=user).exists()


def export(kind):
    def probe(client, club, user):
        response = client.post(reverse("admin:export"), {"what": kind, "format": "csv"})
        return response.status_code == 200 and response.get("Content-Disposition")

    return probe


def export_members_and_payments(client, club, user):
    return export("members")(client, club, user) and export("payments")(client, club, user)


def referral_funnel_and_cards(client, club, user):
    member = club["middle"]
    page = client.get(reverse("admin:bonuses_member_change", args=[member.pk])).content.decode()
    cards = client.post(
        reverse("admin:bonuses_member_changelist"),
        {"action": "print_cards", "_selected_action": [member.pk], "month": "2026-06"},
    )
    return (
        'id="member-funnel"' in page
        and cards.status_code == 200
        and f"/r/{member.referral_code}/" in cards.content.decode()
    )


def dashboard_referral_funnel(client, club, user):
    page = client.get(reverse("admin:index")).content.decode()
    return 'id="dashboard-funnel"' in page and "Top referrers" in page


def export_statements_and_ledger(client, club, user):
    ledger_page = client.get(reverse("admin:bonuses_ledgerentry_export"))
    return (
        export("statements")(client, club, user)
        and export("ledger")(client, club, user)
        and ok(ledger_page)
    )


def see_the_ledger(client, club, user):
    page = client.get(reverse("admin:bonuses_member_change", args=[club["middle"].pk]))
    on_page = 'id="member-ledger"' in page.content.decode()
    listed = ok(client.get(reverse("admin:bonuses_ledgerentry_changelist")))
    assert on_page == listed  # the member page and the list agree
    return listed


def claims_payouts_adjustments(client, club, user):
    before = LedgerEntry.objects.count()
    client.post(
        reverse("admin:bonuses_ledgerentry_adjust"),
        {"member": club["middle"].pk, "amount": "10", "reason": "role test"},
    )
    pages = [client.get(reverse(f"admin:bonuses_ledgerentry_{p}")) for p in ("claim", "payout")]
    return LedgerEntry.objects.count() > before and all(ok(p) for p in pages)


def plan_versions(client, club, user):
    return ok(client.get(reverse("admin:bonuses_plan_changelist"))) and ok(
        client.get(reverse("admin:bonuses_plan_add"))
    )


def month_close(client, club, user):
    return ok(client.get(reverse("admin:month_close")))


def sponsor_requests(client, club, user):
    request = club["request"]
    listed = ok(client.get(reverse("admin:bonuses_sponsorrequest_changelist")))
    url = reverse("admin:bonuses_sponsorrequest_change", args=[request.pk])
    client.post(url, {"decision": "approve", "confirm": "on"})
    decided = SponsorRequest.objects.get(pk=request.pk).status == "approved"
    assert listed == decided
    return decided


def dashboard_members_and_payments(client, club, user):
    page = client.get(reverse("admin:index")).content.decode()
    return "Active this month" in page and "Latest payments" in page


def dashboard_club_money(client, club, user):
    page = client.get(reverse("admin:index")).content.decode()
    money = ["Bonuses accrued", "Outstanding balance", "Bonuses per month", "Top 10 earners"]
    shown = [m in page for m in money]
    assert len(set(shown)) == 1, shown  # all or nothing
    return shown[0]


def delete_members(client, club, user):
    leaf = enroll(first_name="Mistake")
    changelist = reverse("admin:bonuses_member_changelist")
    client.post(
        changelist,
        {"action": "delete_members", "_selected_action": [leaf.pk], "post": "yes"},
    )
    return not Member.objects.filter(pk=leaf.pk).exists()


def users_groups_tasks(client, club, user):
    return all(
        ok(client.get(reverse(name)))
        for name in (
            "admin:core_user_changelist",
            "admin:auth_group_changelist",
            "admin:django_q_schedule_changelist",
        )
    )


def statement_mails(client, club, user):
    from bonuses.models import StatementMail

    services.month_close(period=MAY)
    row, _ = StatementMail.objects.get_or_create(member=club["middle"], period=MAY)
    changelist = reverse("admin:bonuses_statementmail_changelist")
    listed = ok(client.get(changelist))
    client.post(changelist, {"action": "send_again", "_selected_action": [row.pk]})
    row.refresh_from_db()
    return listed and row.attempts == 1


# README row -> (front desk, administrator, probe)
TABLE = {
    "see members, the member lookup and a member's downline": (True, True, see_members),
    "add members, edit their names and contact details": (True, True, add_and_edit_members),
    "give a sponsor to a member without followers": (
        True,
        True,
        place_a_member_without_followers,
    ),
    "move a member who has followers (member form or import)": (
        False,
        True,
        move_a_member_with_followers,
    ),
    "link a login to a member": (False, True, link_a_login),
    "print or copy a claim code for a member without a login": (True, True, hand_out_a_claim_code),
    "mark payments (member list, member page, payments, month at a glance)": (
        True,
        True,
        mark_payments,
    ),
    "import members and payments": (True, True, import_members_and_payments),
    "export members and payments": (True, True, export_members_and_payments),
    "see a member's referral funnel (member page), print referral cards (member list)": (
        True,
        True,
        referral_funnel_and_cards,
    ),
    "export the referral funnel": (True, True, export("funnel")),
    "export statements and the ledger": (False, True, export_statements_and_ledger),
    "see ledger entries (ledger list, member page)": (False, True, see_the_ledger),
    "package claims, payouts, manual adjustments": (False, True, claims_payouts_adjustments),
    "plan versions": (False, True, plan_versions),
    "month close": (False, True, month_close),
    "statement mails: see what was sent, send one again": (False, True, statement_mails),
    "sponsor requests: see, approve, reject": (False, True, sponsor_requests),
    "dashboard: members, activity, new members, latest payments": (
        True,
        True,
        dashboard_members_and_payments,
    ),
    "dashboard: the referral funnel and top referrers": (True, True, dashboard_referral_funnel),
    "dashboard: the club's money (bonuses, balances, closes, top earners)": (
        False,
        True,
        dashboard_club_money,
    ),
    "delete members (only without followers, payments or ledger entries)": (
        False,
        True,
        delete_members,
    ),
    "users, groups, schedules and background tasks": (False, True, users_groups_tasks),
}


@pytest.fixture
def administrator(django_user_model):
    user = django_user_model.objects.create_user("chief", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=ADMINISTRATOR))
    return user


@pytest.mark.parametrize("row", list(TABLE))
@pytest.mark.parametrize("role", ["front desk", "administrator"])
def test_role_table_row(row, role, client, club, desk_user, administrator):
    user = desk_user if role == "front desk" else administrator
    client.force_login(user)
    desk, admin, probe = TABLE[row]
    expected = desk if role == "front desk" else admin
    assert bool(probe(client, club, user)) is expected


def test_the_readme_table_is_the_tested_one():
    text = README.read_text(encoding="utf-8")
    section = text.split("## Roles", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[1] in ("yes", "no"):
            rows[cells[0]] = (cells[1] == "yes", cells[2] == "yes")
    assert rows == {name: (desk, admin) for name, (desk, admin, _) in TABLE.items()}
