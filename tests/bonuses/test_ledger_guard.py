"""The ledger's links to its member (migration 0018), its staff user and its payment
(0020): set-based triggers instead of row-by-row foreign keys, on SQLite and PostgreSQL.
An entry must name a member, and a user and a payment that exist when it names one; a
member with entries cannot be deleted, by the services or by hand, nor by hand a user or
a payment that entries name; writers racing a deletion never leave an entry without its
member."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from bonuses import services
from bonuses.models import LedgerEntry, Member, Payment
from core.bulk import copy_lines
from core.models import User
from tests.bonuses.engine_helpers import MAY, NOW
from tests.bonuses.test_concurrency import run_together
from tests.factories import enroll

ORPHANS = (
    "SELECT COUNT(*) FROM bonuses_ledgerentry e "
    "WHERE NOT EXISTS (SELECT 1 FROM bonuses_member m WHERE m.id = e.member_id)"
)


def orphans() -> int:
    with connection.cursor() as cursor:
        cursor.execute(ORPHANS)
        return cursor.fetchone()[0]


def _missing_id() -> int:
    return (Member.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


@pytest.mark.django_db
def test_an_entry_for_a_member_that_does_not_exist_is_refused():
    member = enroll()
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(member_id=_missing_id(), kind="adjustment", amount=5)
    # Moving an existing entry to nobody is refused the same way.
    entry = LedgerEntry.objects.create(member=member, kind="adjustment", amount=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(member_id=_missing_id())
    assert LedgerEntry.objects.get().member_id == member.pk


def _missing_pk(model) -> int:
    return (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


@pytest.mark.django_db
def test_an_entry_naming_a_missing_user_or_payment_is_refused(admin_user):
    """Migration 0020: the links to the staff user and to the payment are guarded like
    the member's, an empty link allowed."""
    member = enroll()
    payment = services.payment_mark_paid(member=member, period=MAY, amount="15000")
    for link in ({"created_by_id": _missing_pk(User)}, {"payment_id": _missing_pk(Payment)}):
        with pytest.raises(IntegrityError), transaction.atomic():
            LedgerEntry.objects.create(member=member, kind="adjustment", amount=5, **link)
    entry = LedgerEntry.objects.create(
        member=member, kind="adjustment", amount=5, created_by=admin_user, payment=payment
    )
    for link in ({"created_by_id": _missing_pk(User)}, {"payment_id": _missing_pk(Payment)}):
        with pytest.raises(IntegrityError), transaction.atomic():
            LedgerEntry.objects.filter(pk=entry.pk).update(**link)
    LedgerEntry.objects.create(member=member, kind="adjustment", amount=5)  # links empty
    assert LedgerEntry.objects.filter(created_by=admin_user, payment=payment).count() == 1


@pytest.mark.django_db
def test_a_user_or_payment_named_by_entries_is_kept_or_let_go_as_before(admin_user):
    """The ORM's rules stand: deleting the staff user empties the link; a payment that a
    correction names cannot be deleted; on PostgreSQL neither can be deleted by hand."""
    member = enroll()
    payment = services.payment_mark_paid(member=member, period=MAY, amount="15000")
    entry = LedgerEntry.objects.create(
        member=member, kind="adjustment", amount=5, created_by=admin_user, payment=payment
    )
    with pytest.raises(ProtectedError):
        Payment.objects.filter(pk=payment.pk).delete()
    if connection.vendor == "postgresql":  # SQLite: see migration 0020
        for table, pk in (("bonuses_payment", payment.pk), ("core_user", admin_user.pk)):
            with pytest.raises(IntegrityError), transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(f"DELETE FROM {table} WHERE id = %s", [pk])
    admin_user.delete()
    entry.refresh_from_db()
    assert entry.created_by_id is None and entry.payment_id == payment.pk


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_close_proves_its_members_only(on_postgres):
    """The close's setting lets its COPY skip the member check, not the user's."""
    member = enroll()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('bonuses.ledger_members_known', 'on', true)")
        missing_user = _missing_pk(User)
        LedgerEntry.objects.create(
            member=member, kind="adjustment", amount=5, created_by_id=missing_user
        )


@pytest.mark.django_db
def test_a_member_with_entries_cannot_be_deleted_even_by_hand(admin_user):
    member = enroll()
    services.ledger_adjust(member=member, amount="100", reason="welcome", by=admin_user)
    with pytest.raises(ValidationError):
        services.member_delete(member=member)
    with pytest.raises(ProtectedError):
        Member.objects.filter(pk=member.pk).delete()  # the ORM's PROTECT
    if connection.vendor == "postgresql":  # SQLite: see migration 0018
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM bonuses_member WHERE id = %s", [member.pk])  # the guard
    assert Member.objects.filter(pk=member.pk).exists()
    # Without entries the same member goes.
    leaf = enroll()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM bonuses_member WHERE id = %s", [leaf.pk])
    assert not Member.objects.filter(pk=leaf.pk).exists()


@pytest.mark.django_db
def test_writing_to_a_deleted_member_says_so(admin_user):
    member = enroll()
    services.member_delete(member=member)
    with pytest.raises(ValidationError, match="no longer exists"):
        services.ledger_adjust(member=member, amount="100", reason="late", by=admin_user)
    assert LedgerEntry.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db
def test_one_bad_row_in_a_copy_refuses_the_whole_copy(on_postgres):
    members = [enroll() for _ in range(3)]
    ids = [m.pk for m in members] + [_missing_id()]
    lines = [f"{pk}\tadjustment\t2026-10-01\t1.00\t{{}}\t\t2026-11-01T00:00:00Z\n" for pk in ids]
    columns = ["member_id", "kind", "period", "amount", "breakdown", "reason", "created_at"]
    with pytest.raises(IntegrityError), transaction.atomic():
        copy_lines(LedgerEntry._meta.db_table, columns, lines)
    assert LedgerEntry.objects.count() == 0
    assert copy_lines(LedgerEntry._meta.db_table, columns, lines[:3]) == 3


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_guard_is_back_on_after_a_close_in_the_same_transaction(on_postgres, time_machine):
    """A close's one INSERT skips the guard's anti-join (migration 0019): the next entry
    of the same transaction, or of an outer transaction around the close, is checked."""
    time_machine.move_to(NOW, tick=False)
    services.payment_mark_paid(member=enroll(enroll()), period=MAY, amount="15000")
    with transaction.atomic():
        [result] = services.month_close(period=MAY)
        assert result.entries == 2
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('bonuses.ledger_members_known', true)")
            assert cursor.fetchone() == ("off",)
        with pytest.raises(IntegrityError), transaction.atomic():
            LedgerEntry.objects.create(member_id=_missing_id(), kind="adjustment", amount=5)
    assert orphans() == 0 and LedgerEntry.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_writers_racing_a_deletion_never_leave_an_entry_without_its_member(on_postgres):
    """Each round: one thread deletes a member while two credit them at the same moment
    (a credit needs no balance check, so only the guard's lock orders it). Whichever
    wins, no entry outlives its member."""
    from django.contrib.auth import get_user_model

    staff = get_user_model().objects.create_user("staff", password="pw", is_staff=True)
    for round_ in range(8):
        member = enroll(first_name=f"R{round_}")

        def work(i, member=member):
            if i == 0:
                services.member_delete(member=member)
            else:
                services.ledger_adjust(
                    member=member, amount=Decimal(10 + i), reason="race", by=staff
                )

        errors = run_together(3, work)
        assert all(isinstance(e, ValidationError) for e in errors), errors
        deleted = not Member.objects.filter(pk=member.pk).exists()
        entries = LedgerEntry.objects.filter(member_id=member.pk).count()
        assert (deleted and entries == 0) or (not deleted and entries >= 1)
    assert orphans() == 0
