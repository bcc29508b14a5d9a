"""Month close: turns a period's earnings into ledger entries, once, all or nothing.

The close reads the maintained per-member figures (docs/statements.md): one set-based
pass over the period's paid payments, the follower counts and the period's volume rows
(compute_period_from_figures). `compute_period`, the walk it replaced, stays as the
reference the tests and the safety net compare with: one streamed pass over the members
in path order (a pre-order walk of the tree) joined to the period's paid payments, a
stack holding the current member's ancestors. Shares are rounded per payment
(PlanTerms.share) and summed in integer cents, so both equal the per-member statements
to the cent.
"""

import heapq
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from bonuses.models import (
    ClosedFigures,
    DownlineCount,
    DownlineVolume,
    LedgerEntry,
    Member,
    MonthClose,
    Payment,
)
from core.bulk import copy_lines, insert_rows
from core.money import money
from core.periods import add_months, current_period, months_between, period_of

from .dashboard import dashboard_changed_on_commit
from .locks import lock_tree_for_insert
from .period_locks import lock_period_for_close
from .plans import PlanTerms, plan_terms

TOP_EARNERS = 10


@dataclass(frozen=True)
class LevelTotal:
    level: int
    amount: Decimal
    earners: int  # members who earned something at this level


@dataclass(frozen=True)
class TopEarner:
    member_id: int
    name: str
    amount: Decimal


@dataclass
class CloseResult:
    """What a close did (or, for a dry run, would do) for one period."""

    period: date
    dry_run: bool
    already_closed: bool
    plan_id: int | None
    levels: list[LevelTotal]
    referred: Decimal
    referred_earners: int
    total: Decimal
    earners: int
    payments: int  # paid payments of the period
    entries: int  # ledger entries written (or to be written)
    top_earners: list[TopEarner] = field(default_factory=list)
    duration_ms: int = 0
    month_close: MonthClose | None = None

    def totals_json(self) -> dict:
        return {
            "levels": [
                {"level": lv.level, "amount": f"{lv.amount:.2f}", "earners": lv.earners}
                for lv in self.levels
            ],
            "referred": f"{self.referred:.2f}",
            "referred_earners": self.referred_earners,
            "total": f"{self.total:.2f}",
            "earners": self.earners,
            "payments": self.payments,
            "entries": self.entries,
            "top_earners": [
                {"member_id": t.member_id, "name": t.name, "amount": f"{t.amount:.2f}"}
                for t in self.top_earners
            ],
        }

    @classmethod
    def from_close(cls, close: MonthClose) -> "CloseResult":
        t = close.totals or {}
        return cls(
            period=close.period,
            dry_run=False,
            already_closed=True,
            plan_id=close.plan_id,
            levels=[
                LevelTotal(lv["level"], Decimal(lv["amount"]), lv["earners"])
                for lv in t.get("levels", [])
            ],
            referred=Decimal(t.get("referred", "0.00")),
            referred_earners=t.get("referred_earners", 0),
            total=Decimal(t.get("total", "0.00")),
            earners=t.get("earners", 0),
            payments=t.get("payments", 0),
            entries=t.get("entries", 0),
            top_earners=[
                TopEarner(e["member_id"], e["name"], Decimal(e["amount"]))
                for e in t.get("top_earners", [])
            ],
            duration_ms=close.duration_ms,
            month_close=close,
        )


@dataclass
class PeriodFigures:
    """Everything a period's close needs, per member, in integer cents and counts.

    levels: member id -> cents earned per level (1..terms.levels), for every member who
    had an active follower within the levels (and was active, when the plan asks it).
    referred: member id -> referred bonus cents (members with a sponsor who paid).
    followers / actives: member id -> followers / active followers per level, for every
    member with at least one follower within the levels (actives: one active follower).
    active: the members who paid for the period (whose own payment is marked paid).
    Members in none of these had nothing in the period: zeros and not active.
    """

    terms: PlanTerms
    levels: dict[int, list[int]]  # member id -> cents per level
    referred: dict[int, int]  # member id -> cents
    payments: int
    followers: dict[int, list[int]] = field(default_factory=dict)
    actives: dict[int, list[int]] = field(default_factory=dict)
    active: set[int] = field(default_factory=set)


def _walk(period: date) -> Iterator[tuple[int, int, object]]:
    """(member id, depth, paid amount × 100 or None) for every member, in path order."""
    q = connection.ops.quote_name
    members, payments = q(Member._meta.db_table), q(Payment._meta.db_table)
    sql = (
        f"SELECT m.id, m.depth, ROUND(p.amount * 100) FROM {members} m "
        f"LEFT JOIN {payments} p ON p.member_id = m.id AND p.period = %s AND p.paid = %s "
        f"ORDER BY m.path"
    )
    # A server-side cursor on PostgreSQL: a million rows stream in chunks.
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, [period, True])
        while rows := cursor.fetchmany(20_000):
            yield from rows


def compute_period(period: date, terms: PlanTerms) -> PeriodFigures:
    """Every member's level earnings, referred bonus and follower counts for `period`,
    on the tree as it stands, in one pass over the members in path order. Reads only.

    The stack holds the current member's ancestors (index d - 1: the one at depth d) with
    their per-level lists; a member's lists are final when the walk leaves its subtree
    (it is popped), and only then kept, when not empty."""
    levels = terms.levels
    must_be_active = terms.earner_must_be_active
    shares: dict[int, tuple[int, ...]] = {}
    earned: dict[int, list[int]] = {}
    followers: dict[int, list[int]] = {}
    actives: dict[int, list[int]] = {}
    referred: dict[int, int] = {}
    active_ids: set[int] = set()
    ids: list[int] = []  # ids[d - 1]: the ancestor at depth d of the current member
    paid_flags: list[bool] = []
    fol: list[list[int]] = []  # followers per level of each ancestor
    act: list[list[int] | None] = []  # active followers per level, made on first need
    earn: list[list[int] | None] = []  # cents per level, made on first need
    zero = [0] * levels

    def settle(start: int) -> None:
        # The ancestors from `start` on are left: keep what they gathered.
        for i in range(start, len(ids)):
            member_id = ids[i]
            if fol[i][0]:  # a follower at level k > 1 implies one at level 1
                followers[member_id] = fol[i]
            if act[i] is not None:
                actives[member_id] = act[i]
            if earn[i] is not None:
                earned[member_id] = earn[i]
        del ids[start:], paid_flags[start:], fol[start:], act[start:], earn[start:]

    paid = 0
    for member_id, depth, cents in _walk(period):
        if depth <= len(ids):
            settle(depth - 1)
        top = depth - 1  # ids[top - 1] is the sponsor
        reach = min(levels, top)
        for k in range(1, reach + 1):
            fol[top - k][k - 1] += 1
        ids.append(member_id)
        paid_flags.append(cents is not None)
        fol.append(zero.copy())
        act.append(None)
        earn.append(None)
        if cents is None:
            continue
        paid += 1
        active_ids.add(member_id)
        cents = int(cents)
        share = shares.get(cents)
        if share is None:
            share = shares[cents] = tuple(terms.share_cents(k, cents) for k in range(levels + 1))
        if depth > 1 and share[0]:
            referred[member_id] = share[0]
        for k in range(1, reach + 1):
            index = top - k
            row = act[index]
            if row is None:
                row = act[index] = zero.copy()
            row[k - 1] += 1
            if must_be_active and not paid_flags[index]:
                continue
            row = earn[index]
            if row is None:
                row = earn[index] = zero.copy()
            row[k - 1] += share[k]
    settle(0)
    return PeriodFigures(
        terms=terms,
        levels=earned,
        referred=referred,
        payments=paid,
        followers=followers,
        actives=actives,
        active=active_ids,
    )


def _rows(cursor, sql: str, params: list) -> Iterator[tuple]:
    cursor.execute(sql, params)
    while rows := cursor.fetchmany(20_000):
        yield from rows


def _members_in_order(
    period: date, terms: PlanTerms, db
) -> Iterator[tuple[int, bool, int, list[int] | None, list[int] | None]]:
    """(member id, active, referred cents, active followers per level or None, cents
    earned per level or None) of every member with a paid payment or a paid follower
    within the levels in `period`, in member id order, from the maintained figures of the
    open period (docs/statements.md): the period's paid payments (referred bonuses, who is
    active) merged with its volume rows (each worth count × share_cents(level, cents) to
    its earner), both read in member order through `db` (a Django connection: the
    close's own, or a reader beside it). In member order so that a close can write each
    member's entries as they are read."""
    q = connection.ops.quote_name
    members, payments = q(Member._meta.db_table), q(Payment._meta.db_table)
    volumes = q(DownlineVolume._meta.db_table)
    # The referred bonus goes to members with a sponsor (DESIGN.md): the few without one
    # are read apart, instead of joining a million members to the payments.
    with db.cursor() as plain:
        plain.execute(f"SELECT id FROM {members} WHERE sponsor_id IS NULL")
        unsponsored = {member_id for (member_id,) in plain.fetchall()}
    with db.chunked_cursor() as paid_cursor, db.chunked_cursor() as volume_cursor:
        pay = _rows(
            paid_cursor,
            f"SELECT member_id, CAST(ROUND(amount * 100) AS BIGINT) FROM {payments} "
            f"WHERE period = %s AND paid = %s ORDER BY member_id",
            [period, True],
        )
        volume_rows = _rows(
            volume_cursor,
            f"SELECT earner_id, level, cents, paid FROM {volumes} "
            f"WHERE period = %s AND level <= %s AND paid <> 0 ORDER BY earner_id",
            [period, terms.levels],
        )
        yield from _merged(pay, volume_rows, terms, unsponsored)


def _merged(
    pay: Iterator[tuple], volume_rows: Iterator[tuple], terms: PlanTerms, unsponsored: set[int]
) -> Iterator[tuple[int, bool, int, list[int] | None, list[int] | None]]:
    """_members_in_order's rows from its two sorted streams: (member id, cents) of the
    paid payments and (earner id, level, cents, count) of the volume rows."""
    bonus_of: dict[int, int] = {}  # cents paid -> referred bonus cents
    levels = terms.levels
    share_cents = terms.share_cents
    must_be_active = terms.earner_must_be_active
    zero = [0] * levels
    end = (float("inf"),)
    paid_row = next(pay, end)
    volume = next(volume_rows, end)
    while paid_row is not end or volume is not end:
        member_id = min(paid_row[0], volume[0])
        active = paid_row[0] == member_id
        referred = 0
        if active:
            cents = paid_row[1]
            paid_row = next(pay, end)
            if member_id not in unsponsored:
                referred = bonus_of.get(cents)
                if referred is None:
                    referred = bonus_of[cents] = share_cents(0, int(cents))
        actives = earned = None
        while volume[0] == member_id:
            _earner, level, cents, count = volume
            if actives is None:
                actives = zero.copy()
            actives[level - 1] += count
            if active or not must_be_active:
                if earned is None:
                    earned = zero.copy()
                earned[level - 1] += count * share_cents(level, int(cents))
            volume = next(volume_rows, end)
        yield member_id, active, referred, actives, earned


def _follower_counts(terms: PlanTerms) -> dict[int, list[int]]:
    """member id -> followers per level (1..terms.levels), for every member with a
    follower within the levels, from the maintained counts (the tree as it stands)."""
    counts = connection.ops.quote_name(DownlineCount._meta.db_table)
    levels = terms.levels
    zero = [0] * levels
    followers: dict[int, list[int]] = {}
    with connection.chunked_cursor() as cursor:
        for earner, level, count in _rows(
            cursor,
            f"SELECT earner_id, level, followers FROM {counts} "
            f"WHERE level <= %s AND followers <> 0",
            [levels],
        ):
            row = followers.get(earner)
            if row is None:
                row = followers[earner] = zero.copy()
            row[level - 1] = count
    return followers


class _Gathered:
    """Builds a PeriodFigures from _members_in_order's rows as they pass."""

    def __init__(self, terms: PlanTerms):
        self.figures = PeriodFigures(terms=terms, levels={}, referred={}, payments=0)

    def take(self, rows: Iterator[tuple]) -> Iterator[tuple]:
        figures = self.figures
        earned_of, referred_of = figures.levels, figures.referred
        actives_of, active = figures.actives, figures.active
        for row in rows:
            member_id, is_active, referred, actives, earned = row
            if is_active:
                active.add(member_id)
                if referred:
                    referred_of[member_id] = referred
            if actives is not None:
                actives_of[member_id] = actives
            if earned is not None:
                earned_of[member_id] = earned
            yield row
        figures.payments = len(active)


def compute_period_from_figures(period: date, terms: PlanTerms) -> PeriodFigures:
    """compute_period read from the maintained figures of open `period` (docs/
    statements.md) instead of walking the tree: set-based passes over the period's paid
    payments (referred bonuses, who is active), its volume rows (each worth count ×
    share_cents(level, cents) to its earner) and the follower counts. Reads only; the
    same figures to the cent (tests/bonuses/test_figures.py). The caller keeps the tree
    and the period's payments still (the close's locks)."""
    gathered = _Gathered(terms)
    for _row in gathered.take(_members_in_order(period, terms, connection)):
        pass
    figures = gathered.figures
    figures.followers = _follower_counts(terms)
    return figures


def _cents(value: int) -> Decimal:
    return money(Decimal(value) / 100)


def _result(period: date, figures: PeriodFigures, *, dry_run: bool, started: float):
    terms = figures.terms
    per_level = [0] * terms.levels
    level_earners = [0] * terms.levels
    totals: dict[int, int] = dict(figures.referred)
    entries = sum(1 for c in figures.referred.values() if c)
    for member_id, row in figures.levels.items():
        amount = sum(row)
        if amount:
            entries += 1
        totals[member_id] = totals.get(member_id, 0) + amount
        for k, cents in enumerate(row):
            per_level[k] += cents
            level_earners[k] += cents > 0
    top = heapq.nlargest(TOP_EARNERS, ((c, m) for m, c in totals.items() if c > 0))
    names = {m.pk: m.full_name or str(m) for m in Member.objects.filter(pk__in=[m for _, m in top])}
    referred = sum(figures.referred.values())
    return CloseResult(
        period=period,
        dry_run=dry_run,
        already_closed=False,
        plan_id=terms.plan_id,
        levels=[
            LevelTotal(level=k + 1, amount=_cents(per_level[k]), earners=level_earners[k])
            for k in range(terms.levels)
        ],
        referred=_cents(referred),
        referred_earners=sum(1 for c in figures.referred.values() if c),
        total=_cents(sum(per_level) + referred),
        earners=sum(1 for c in totals.values() if c > 0),
        payments=figures.payments,
        entries=entries,
        top_earners=[TopEarner(m, names.get(m, f"#{m}"), _cents(c)) for c, m in top],
        duration_ms=int((time.monotonic() - started) * 1000),
    )


def _amount_text(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


class _AmountTexts(dict):
    """cents -> "1234.50", each worked out once: a close formats about four million
    amounts (each entry's and, for accruals, each level's), most of them repeats."""

    def __missing__(self, cents: int) -> str:
        text = self[cents] = _amount_text(cents)
        return text


def _earners_of(figures: PeriodFigures) -> Iterator[tuple[int, list[int] | None, int]]:
    """(member id, cents per level or None, referred cents) of everyone `figures` credits,
    in member id order."""
    earned, bonuses = figures.levels, figures.referred
    for member_id in sorted(earned.keys() | bonuses.keys()):
        yield member_id, earned.get(member_id), bonuses.get(member_id, 0)


def _entry_rows(earners: Iterable[tuple[int, list[int] | None, int]]) -> Iterator[tuple]:
    """(member id, kind, amount text, breakdown JSON) of the entries a close writes for
    `earners` ((member id, cents per level or None, referred cents), in member id order:
    the (member, period) index is then filled page after page, once each, instead of at
    random; a million members outgrow the database's buffer cache)."""
    accrual, referred = LedgerEntry.Kind.ACCRUAL.value, LedgerEntry.Kind.REFERRED.value
    text = _AmountTexts().__getitem__
    for member_id, row, cents in earners:
        if row is not None and (amount := sum(row)):
            levels = '", "'.join(map(text, row))
            yield member_id, accrual, text(amount), f'{{"levels": ["{levels}"]}}'
        if cents:
            yield member_id, referred, text(cents), "{}"


ENTRY_COLUMNS = [
    "member_id", "kind", "period", "amount", "breakdown", "reason", "created_by_id", "created_at",
]  # fmt: skip


def _copy_entries(period: date, earners: Iterable[tuple], by) -> int:
    """PostgreSQL: COPY the entries as text we format ourselves. Every value is a number,
    a fixed word, a date or our own JSON (no tab, newline or backslash), so the general
    escaping of core.bulk, which costs more than the COPY itself here, is not needed."""
    tail = "\t".join(["", str(by.pk) if by is not None else "\\N", timezone.now().isoformat()])
    day = period.isoformat()
    lines = (
        f"{m}\t{kind}\t{day}\t{amount}\t{breakdown}\t{tail}\n"
        for m, kind, amount, breakdown in _entry_rows(earners)
    )
    with connection.cursor() as cursor:
        # Every member id here is read under the tree lock that every member deletion
        # takes exclusively (held by this transaction since before the reading started,
        # whichever connection reads), from rows keyed to existing members (the volume
        # rows, the payments): the ledger's guard (migration 0019) may skip its anti-join
        # of a million entries for this one COPY, and checks again after (a failed COPY
        # rolls the setting back with it).
        cursor.execute("SELECT set_config('bonuses.ledger_members_known', 'on', true)")
        entries = copy_lines(LedgerEntry._meta.db_table, ENTRY_COLUMNS, lines)
        cursor.execute("SELECT set_config('bonuses.ledger_members_known', 'off', true)")
    return entries


def _write_entries(period: date, earners: Iterable[tuple], by) -> int:
    """Write the close's entries for `earners` (see _entry_rows). Returns their number."""
    if connection.vendor == "postgresql":
        return _copy_entries(period, earners, by)
    ops = connection.ops
    day = ops.adapt_datefield_value(period)
    now = ops.adapt_datetimefield_value(timezone.now())
    by_id = by.pk if by is not None else None
    rows = (
        (m, kind, day, amount, breakdown, "", by_id, now)
        for m, kind, amount, breakdown in _entry_rows(earners)
    )
    return insert_rows(LedgerEntry, ENTRY_COLUMNS, rows)


def _figures_row(figures: PeriodFigures, member_id: int, counts: list | None, zero: str) -> tuple:
    """One member's stored figures row; `zero` is the JSON of an all-zero level list."""
    paid = figures.actives.get(member_id)
    cents = figures.levels.get(member_id)
    return (
        member_id,
        member_id in figures.active,
        zero if counts is None else str(counts),
        zero if paid is None else str(paid),
        zero if cents is None else str(cents),
        figures.referred.get(member_id, 0),
    )


def _figures_rows(figures: PeriodFigures) -> Iterator[tuple[int, bool, str, str, str, int]]:
    """(member id, active, followers, actives, earned, referred cents) of every member
    with something to show: a follower within the levels or their own paid payment. The
    per-level lists as JSON text: str() of a list of ints is JSON, made in C."""
    zero = str([0] * figures.terms.levels)
    followers = figures.followers
    # In member id order: the primary key (period, member) is then filled at its right
    # edge, page after page, instead of at random.
    for member_id in sorted(followers.keys() | figures.active):
        yield _figures_row(figures, member_id, followers.get(member_id), zero)


def _figures_rows_as_read(
    figures: PeriodFigures, counts: Iterator[tuple[int, int, int]]
) -> Iterator[tuple[int, bool, str, str, str, int]]:
    """_figures_rows with the follower counts arriving as (earner id, level, followers)
    rows in earner order (read beside the COPY that stores them); fills
    figures.followers on the way. The members with a follower within the levels are
    those the counts name; the others with a row are the active ones."""
    levels = figures.terms.levels
    zero_list = [0] * levels
    zero = str(zero_list)
    followers = figures.followers
    end = (float("inf"),)
    paid_ids = iter(sorted(figures.active))
    paid_id = next(paid_ids, end[0])
    count = next(counts, end)
    while count is not end or paid_id != end[0]:
        member_id = min(count[0], paid_id)
        if paid_id == member_id:
            paid_id = next(paid_ids, end[0])
        row = None
        while count[0] == member_id:
            if row is None:
                row = followers[member_id] = zero_list.copy()
            row[count[1] - 1] = count[2]
            count = next(counts, end)
        yield _figures_row(figures, member_id, row, zero)


FIGURES_COLUMNS = ["period", "member_id", "active", "followers", "actives", "earned", "referred"]


def write_closed_figures(*, period: date, figures: PeriodFigures) -> int:
    """Store `figures` as the closed statement figures of `period` (ClosedFigures), one
    row per member with a follower within the levels or a paid payment. Returns the
    number of rows. The caller holds the period's close in one transaction; the period
    must have no stored figures yet (the primary key refuses a second write).

    Separate from the walk that computes the figures, so that figures produced another
    way (maintained per-member rows) are stored the same way. DESIGN.md: "A closed month
    has one answer"."""
    return _store_figures_rows(period, _figures_rows(figures))


def _store_figures_rows(period: date, rows: Iterator[tuple]) -> int:
    if connection.vendor != "postgresql":
        day = connection.ops.adapt_datefield_value(period)
        return insert_rows(ClosedFigures, FIGURES_COLUMNS, ((day, *row) for row in rows))
    # COPY in text format we write ourselves: numbers, t/f and JSON lists of integers
    # need no escaping (see _copy_entries).
    day = period.isoformat()
    lines = (f"{day}\t{m}\t{'t' if a else 'f'}\t{f}\t{p}\t{e}\t{r}\n" for m, a, f, p, e, r in rows)
    return copy_lines(ClosedFigures._meta.db_table, FIGURES_COLUMNS, lines)


def _check_closable(period: date) -> None:
    if period >= current_period():
        raise ValidationError(
            {"period": _("Only past months can be closed: this month is not over yet.")}
        )


def _can_read_beside() -> bool:
    """Whether the close may read through a second connection while its own writes: on
    PostgreSQL, when the close's transaction is the outermost one (a second connection
    sees only what is committed, and nothing the close reads is written before it)."""
    return connection.vendor == "postgresql" and len(connection.atomic_blocks) == 1


def _write_as_read(period: date, terms: PlanTerms, by) -> tuple[PeriodFigures, int]:
    """The close's figures, its ledger entries and its stored figures at once: a second
    connection reads the maintained figures in member order while this one COPYs each
    member's rows as they come, so PostgreSQL stores on one core while Python reads and
    formats on the other (docs/benchmarks.md). Returns the figures (as
    compute_period_from_figures gives them) and the number of entries written.

    The reader's snapshot is taken after this transaction's locks (the period's close
    lock, the tree lock), so it holds every payment change of the period and every move
    committed before them, and none can commit until this close does. Members may still
    join meanwhile (inserts share the tree lock): they have paid nothing for a past
    month, and their sponsors' follower counts include them or not, as with any read."""
    reader = connection.copy()
    try:
        reader.ensure_connection()
        reader.set_autocommit(False)
        with reader.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        gathered = _Gathered(terms)
        members = gathered.take(_members_in_order(period, terms, reader))
        entries = _write_entries(
            period, ((m, earned, referred) for m, _a, referred, _p, earned in members), by
        )
        figures = gathered.figures
        counts = connection.ops.quote_name(DownlineCount._meta.db_table)
        with reader.chunked_cursor() as cursor:
            count_rows = _rows(
                cursor,
                f"SELECT earner_id, level, followers FROM {counts} "
                f"WHERE level <= %s AND followers <> 0 ORDER BY earner_id, level",
                [terms.levels],
            )
            _store_figures_rows(period, _figures_rows_as_read(figures, count_rows))
        reader.rollback()
    finally:
        reader.close()
    return figures, entries


@transaction.atomic
def month_close_one(*, period: date, by=None, via: str = "", dry_run: bool = False) -> CloseResult:
    """Close one past period (or preview it with dry_run). Closing a closed period again
    returns its stored result and writes nothing. `by` (a staff user or None) and `via`
    (a MonthClose.Via) are recorded on the close."""
    started = time.monotonic()
    period = period_of(period)
    _check_closable(period)
    if not dry_run:
        # The tree cannot move, and no payment of this month can change, until we commit;
        # payment changes queued behind us will find the month closed and post corrections.
        lock_period_for_close(period)
        lock_tree_for_insert()
    existing = MonthClose.objects.filter(period=period).first()
    if existing is not None:
        result = CloseResult.from_close(existing)
        result.dry_run = dry_run
        return result
    terms = plan_terms(period)
    # The maintained figures (bonuses.models.downline): exact for an open period, and
    # the close's locks keep them still until it commits.
    if dry_run:
        return _result(
            period, compute_period_from_figures(period, terms), dry_run=True, started=started
        )
    if _can_read_beside():
        figures, entries = _write_as_read(period, terms, by)
    else:
        figures = compute_period_from_figures(period, terms)
        entries = _write_entries(period, _earners_of(figures), by)
        write_closed_figures(period=period, figures=figures)
    result = _result(period, figures, dry_run=False, started=started)
    result.entries = entries
    close = MonthClose.objects.create(
        period=period,
        plan_id=terms.plan_id,
        closed_by=by,
        closed_via=via,
        totals=result.totals_json(),
        figures_stored=True,
    )
    dashboard_changed_on_commit()  # the outstanding balance, the month's figures
    result.duration_ms = int((time.monotonic() - started) * 1000)
    close.duration_ms = result.duration_ms
    close.save(update_fields=["duration_ms"])
    result.month_close = close
    return result


def unclosed_periods() -> list[date]:
    """Past periods not closed yet, oldest first, from the first month with payments."""
    first = Payment.objects.aggregate(first=Min("period"))["first"]
    last = add_months(current_period(), -1)
    if first is None or first > last:
        return []
    closed = set(MonthClose.objects.filter(period__gte=first).values_list("period", flat=True))
    return [p for p in months_between(first, last) if p not in closed]


def month_close_through(*, period: date, by=None, via: str = "") -> list[CloseResult]:
    """Close every month still open up to and including `period`, oldest first, each in
    its own transaction (as the catch-up does): what the close page offers when earlier
    months are open. Refuses the current or a future month (ValidationError)."""
    period = period_of(period)
    _check_closable(period)
    due = [p for p in unclosed_periods() if p < period] + [period]
    return [month_close_one(period=p, by=by, via=via) for p in due]


def month_close(
    *, period: date | None = None, by=None, via: str = "", dry_run: bool = False
) -> list[CloseResult]:
    """Close `period`, or with no period every unclosed past period in order (catch-up
    after downtime). Each period is closed in its own transaction, all or nothing, so a
    catch-up that fails half-way keeps the months before the failure closed, in order.
    Returns one result per period (empty when nothing is due)."""
    if period is not None:
        return [month_close_one(period=period, by=by, via=via, dry_run=dry_run)]
    return [month_close_one(period=p, by=by, via=via, dry_run=dry_run) for p in unclosed_periods()]
