"""Writes for spreadsheet imports: a whole validated file in one transaction.

New members get their tree paths in one pass (PathAllocator) and are written with COPY /
executemany, with their audit history rows; existing members are updated in bulk, and
sponsor changes of existing members go through member_change_sponsor, parents first.
Payments of open months are written in bulk; those of closed months go through
payment_set so the engine posts corrections.
"""

from collections import defaultdict
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from bonuses.models import Member, MonthClose, Payment
from bonuses.models.members import SEARCH_KEY_FIELDS, member_search_key
from bonuses.models.members import new_referral_code as new_code
from core.bulk import insert_rows, reset_sequences
from core.money import money

from .dashboard import dashboard_changed_on_commit
from .figures import figures_add_members, figures_payments_changed
from .ledger import ledger_open_balances
from .locks import lock_tree_exclusive, lock_tree_for_insert
from .members import member_change_sponsor
from .payments import payment_set
from .period_locks import lock_period_for_payments
from .pricing import plan_price
from .tree_bulk import PathAllocator

MEMBER_COLUMNS = [
    "id", "path", "depth", "numchild", "user_id", "sponsor_id", "first_name", "last_name",
    "middle_name", "email", "phone", "birth_date", "address", "external_id", "joined_on",
    "referral_code", "created_at", "updated_at", "search_key",
]  # fmt: skip
HISTORY_COLUMNS = [
    "id", "first_name", "last_name", "middle_name", "email", "phone", "birth_date", "address",
    "external_id", "joined_on", "referral_code", "created_at", "user_id", "sponsor_id",
    "history_date", "history_change_reason", "history_type", "history_user_id",
]  # fmt: skip


def _create_logins(plan) -> dict[str, int]:
    """Logins named in the file that do not exist yet: created without a usable password
    (the member sets one through the password reset)."""
    User = get_user_model()
    user_ids = dict(plan.user_ids)
    wanted = {}
    for row in plan.rows:
        if row.username and row.username not in user_ids:
            wanted[row.username] = User(
                username=row.username,
                first_name=row.values.get("first_name", ""),
                last_name=row.values.get("last_name", ""),
                email=row.values.get("email", ""),
            )
    for user in wanted.values():
        user.set_unusable_password()
    User.objects.bulk_create(wanted.values(), batch_size=2_000)
    for name, user_id in User.objects.filter(username__in=list(wanted)).values_list(
        "username", "id"
    ):
        user_ids[name] = user_id
    return user_ids


@transaction.atomic
def members_import(*, plan, by=None, progress=None, source: str = "") -> dict[str, int]:
    """Write a MembersPlan without errors (its warnings confirmed by the caller): new
    members, updates, sponsor moves and opening balances (`source`, the file's name, goes
    into their reason). All or nothing; returns the counts."""
    if plan.errors:
        raise ValueError("a plan with errors cannot be written")
    lock_tree_exclusive()
    index = plan.index
    user_ids = _create_logins(plan)
    new_rows = sorted(
        (i for i, r in enumerate(plan.rows) if r.existing_id is None),
        key=lambda i: plan.rows[i].depth,
    )
    allocator = PathAllocator()
    existing_parents = {
        index.by_id[plan.rows[i].parent[1]]["path"]
        for i in new_rows
        if plan.rows[i].parent and plan.rows[i].parent[0] == "m"
    }
    allocator.prime(existing_parents)
    first_id = (Member.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    ids, paths = {}, {}
    for offset, i in enumerate(new_rows):
        row = plan.rows[i]
        ids[i] = first_id + offset
        if row.parent is None:
            paths[i] = allocator.root()
        elif row.parent[0] == "m":
            paths[i] = allocator.child(index.by_id[row.parent[1]]["path"])
        else:
            paths[i] = allocator.child(paths[row.parent[1]])

    def sponsor_id(row):
        if row.parent is None:
            return None
        return row.parent[1] if row.parent[0] == "m" else ids[row.parent[1]]

    ops = connection.ops
    now = timezone.now()
    now_db = ops.adapt_datetimefield_value(now)
    today = timezone.localdate()
    codes = {i: plan.rows[i].values.get("referral_code") or new_code() for i in new_rows}

    def member_tuple(i):
        row, v = plan.rows[i], plan.rows[i].values
        return (
            ids[i], paths[i], len(paths[i]) // Member.steplen, allocator.numchild(paths[i]),
            user_ids.get(row.username) if row.username else None, sponsor_id(row),
            v.get("first_name", ""), v.get("last_name", ""), v.get("middle_name", ""),
            v.get("email", ""), v.get("phone", ""),
            ops.adapt_datefield_value(v.get("birth_date")), v.get("address", ""),
            v.get("external_id", ""), ops.adapt_datefield_value(v.get("joined_on", today)),
            codes[i], now_db, now_db,
            member_search_key(**{name: v.get(name, "") for name in SEARCH_KEY_FIELDS}),
        )  # fmt: skip

    insert_rows(Member, MEMBER_COLUMNS, (member_tuple(i) for i in new_rows))
    if new_rows:
        reset_sequences(Member)
    if progress:
        progress(len(new_rows))

    def history_tuple(i):
        row, v = plan.rows[i], plan.rows[i].values
        return (
            ids[i], v.get("first_name", ""), v.get("last_name", ""), v.get("middle_name", ""),
            v.get("email", ""), v.get("phone", ""),
            ops.adapt_datefield_value(v.get("birth_date")), v.get("address", ""),
            v.get("external_id", ""), ops.adapt_datefield_value(v.get("joined_on", today)),
            codes[i], now_db, user_ids.get(row.username) if row.username else None,
            sponsor_id(row), now_db, "import", "+", by.pk if by else None,
        )  # fmt: skip

    insert_rows(Member.history.model, HISTORY_COLUMNS, (history_tuple(i) for i in new_rows))
    allocator.bump_existing_numchild({index.by_id[pk]["path"] for pk in index.by_id})
    if new_rows:
        # Before the moves below: a move carries a member's figures, which must be whole.
        figures_add_members(since_id=first_id)

    _update_existing(plan, user_ids, by)
    # Moves last and parents first: when a member moves, every member above its new
    # place is already where the file puts it, so a move is never under its own downline.
    moves = sorted((r for r in plan.rows if r.moves), key=lambda r: r.depth)
    targets = {}
    for row in moves:
        kind, key = row.parent
        targets[row.line] = key if kind == "m" else ids[key]
    sponsors = Member.objects.in_bulk(set(targets.values()))
    for row in moves:
        member_change_sponsor(
            member=Member(pk=row.existing_id), sponsor=sponsors[targets[row.line]], by=by
        )
    openings = {
        ids[i] if row.existing_id is None else row.existing_id: row.opening_balance
        for i, row in enumerate(plan.rows)
        if row.opening_balance
    }
    if openings:
        ledger_open_balances(amounts=openings, by=by, source=source)
    if connection.vendor == "postgresql" and len(new_rows) > 10_000:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Member._meta.db_table}")
    dashboard_changed_on_commit()  # member count, new members, balances
    return plan.counts()


def _update_existing(plan, user_ids, by) -> None:
    changed = [r for r in plan.rows if r.existing_id and r.changes]
    if not changed:
        return
    members = Member.objects.in_bulk([r.existing_id for r in changed])
    fields = set()
    objs = []
    for row in changed:
        member = members[row.existing_id]
        for name, value in row.changes.items():
            if name == "username":
                member.user_id = user_ids[value]
                fields.add("user")
            else:
                setattr(member, name, value)
                fields.add(name)
        member.updated_at = timezone.now()
        member.refresh_search_key()
        objs.append(member)
    bulk_update_with_history(
        objs,
        Member,
        sorted(fields) + ["search_key", "updated_at"],
        batch_size=1_000,
        default_user=by,
        default_change_reason="import",
    )


PAYMENT_COLUMNS = [
    "member_id", "period", "amount", "paid", "paid_on", "recorded_by_id", "note", "created_at",
    "updated_at",
]  # fmt: skip
PAYMENT_HISTORY_COLUMNS = [
    "id", "period", "amount", "paid", "paid_on", "note", "created_at", "member_id",
    "recorded_by_id", "history_date", "history_change_reason", "history_type", "history_user_id",
]  # fmt: skip


@transaction.atomic
def payments_import(*, plan, by=None) -> dict[str, int]:
    """Write a PaymentsPlan without errors: unchanged rows untouched, so importing the
    same file twice changes nothing the second time."""
    if plan.errors:
        raise ValueError("a plan with errors cannot be written")
    by_period = defaultdict(list)
    for row in plan.rows:
        if row.status in ("new", "updated"):
            by_period[row.period].append(row)
    for period in sorted(by_period):
        lock_period_for_payments(period)
    lock_tree_for_insert()  # the maintained figures follow the payers' ancestors
    closed = set(
        MonthClose.objects.filter(period__in=list(by_period)).values_list("period", flat=True)
    )
    for period, rows in sorted(by_period.items()):
        if period in closed:
            members = Member.objects.in_bulk({r.member_id for r in rows})
            for row in rows:
                payment_set(
                    member=members[row.member_id], period=period, paid=row.paid,
                    amount=row.amount, by=by, note=row.note,
                )  # fmt: skip
        else:
            changes = _insert_payments(
                period, [r for r in rows if r.existing is None and r.paid], by
            )
            changes += _update_payments([r for r in rows if r.existing is not None], by)
            figures_payments_changed(period=period, changes=changes)
    dashboard_changed_on_commit()  # active members, bonuses
    return plan.counts()


def _cents(paid: bool, amount) -> int | None:
    return int(money(amount) * 100) if paid else None


def _insert_payments(period, rows, by) -> list[tuple]:
    """New payments of an open month, with their history rows, by COPY / executemany.
    Returns the changes for the maintained figures: (member id, None, cents)."""
    if not rows:
        return []
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    day = ops.adapt_datefield_value(period)
    price = plan_price(period)
    by_id = by.pk if by else None
    values = {r.member_id: (str(r.amount if r.amount is not None else price), r.note) for r in rows}
    insert_rows(
        Payment,
        PAYMENT_COLUMNS,
        (
            (m, day, amount, True, now, by_id, note, now, now)
            for m, (amount, note) in values.items()
        ),
    )
    ids = list(values)
    history = []
    for start in range(0, len(ids), 5_000):
        created = Payment.objects.filter(period=period, member_id__in=ids[start : start + 5_000])
        history += [
            (pk, day, values[m][0], True, now, values[m][1], now, m, by_id, now, "import", "+",
             by_id)
            for pk, m in created.values_list("id", "member_id")
        ]  # fmt: skip
    insert_rows(Payment.history.model, PAYMENT_HISTORY_COLUMNS, history)
    return [(m, None, _cents(True, Decimal(amount))) for m, (amount, _note) in values.items()]


def _update_payments(rows, by) -> list[tuple]:
    """Changed payments of an open month; returns (member id, cents before, cents after)."""
    if not rows:
        return []
    now = timezone.now()
    existing = Payment.objects.in_bulk([r.existing["id"] for r in rows])
    updated = []
    changes = []
    for row in rows:
        payment = existing[row.existing["id"]]
        before = _cents(payment.paid, payment.amount)
        if row.paid != payment.paid:
            payment.paid_on = now if row.paid else None  # as services.payments does
        payment.paid = row.paid
        if row.amount is not None:
            payment.amount = row.amount
        payment.recorded_by = by
        payment.updated_at = now
        updated.append(payment)
        changes.append((payment.member_id, before, _cents(payment.paid, payment.amount)))
    bulk_update_with_history(
        updated, Payment, ["paid", "paid_on", "amount", "recorded_by", "updated_at"],
        batch_size=1_000, default_user=by, default_change_reason="import",
    )  # fmt: skip
    return changes
