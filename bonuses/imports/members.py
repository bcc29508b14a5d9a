"""Validate a members file completely before anything is written.

Each row is matched to an existing member (club number, then email, then phone) or is a
new one; its sponsor may be in the database or anywhere in the file. Every problem is a
RowError naming the row and column, and every limit the database or the tree has (column
lengths, the tree's depth) is checked here, so the write never meets one; only a file
without errors gets a write plan. What staff must confirm (a name changing on a match by
phone or email, an opening balance on top of a ledger) is a RowWarning.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from bonuses.models import LedgerEntry, Member
from bonuses.models.members import path_bounds
from core.money import format_money

from .cells import check_key_digits, parse_amount, parse_date, parse_email, parse_phone
from .errors import RowError, RowWarning, sorted_errors
from .keys import (
    CHUNK,
    MemberIndex,
    existing_usernames,
    is_plain_number,
    lost_zeros_message,
    phone_key,
    zero_led_club_numbers,
)
from .limits import Watch
from .reading import MEMBER_ALIASES, Table, read_table
from .roles import role_errors

DATA_FIELDS = (
    "external_id", "first_name", "last_name", "middle_name", "email", "phone",
    "birth_date", "address", "joined_on", "referral_code",
)  # fmt: skip
NAME_FIELDS = ("last_name", "first_name", "middle_name")
KEY_COLUMNS = ("external_id", "username", "phone", "sponsor")
# The materialized path holds `steplen` characters a level (treebeard); a deeper member
# would not fit the column (PostgreSQL refuses, SQLite would silently store it).
MAX_DEPTH = Member._meta.get_field("path").max_length // Member.steplen
REFERRAL_CODE = re.compile(r"[A-Za-z0-9_-]+")


@cache
def text_limits() -> dict[str, int]:
    """Column -> the most characters the database stores for it (from the models)."""
    limits = {
        name: Member._meta.get_field(name).max_length
        for name in (
            "external_id", "first_name", "last_name", "middle_name", "email", "address",
            "referral_code",
        )
    }  # fmt: skip
    limits["username"] = get_user_model()._meta.get_field("username").max_length
    return limits


NEW, UPDATED, UNCHANGED, ERROR = "new", "updated", "unchanged", "error"


@dataclass
class MemberRow:
    line: int
    values: dict  # parsed, only the cells the file fills
    sponsor_ref: str = ""
    username: str = ""
    opening_balance: Decimal | None = None  # to write: None when nothing (more) to credit
    existing_id: int | None = None
    matched_by: str = ""  # the column that matched an existing member
    parent: tuple | None = None  # ("m", member id) or ("r", row index); None: a root
    changes: dict = field(default_factory=dict)
    moves: bool = False
    status: str = NEW
    depth: int = 0  # final depth in the tree, for parents-first writes


@dataclass
class MembersPlan:
    rows: list[MemberRow]
    errors: list[RowError]
    index: MemberIndex
    user_ids: dict[str, int]  # logins that exist already
    warnings: list[RowWarning] = field(default_factory=list)
    source: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys((NEW, UPDATED, UNCHANGED, ERROR), 0)
        for row in self.rows:
            counts[row.status] += 1
        return counts


def read_members(data: bytes, name: str, *, watch: Watch | None = None) -> Table:
    return read_table(data, name, MEMBER_ALIASES, required={"first_name"}, watch=watch)


def _parse_cell(column: str, value):
    if column in ("birth_date", "joined_on"):
        return parse_date(value)
    if column == "opening_balance":
        return parse_amount(str(value))
    text = str(value)
    if column in KEY_COLUMNS:
        check_key_digits(value)
    limit = text_limits().get(column)
    if limit and len(text) > limit:
        raise ValueError(
            _("Too long: %(length)s characters, at most %(limit)s.")
            % {"length": len(text), "limit": limit}
        )
    if column == "email":
        return parse_email(text)
    if column == "phone":
        return parse_phone(text)
    if column == "username":
        try:
            UnicodeUsernameValidator()(text)
        except ValidationError:
            raise ValueError(
                _("“%(value)s” is not a login: letters, digits and @ . + - _ only.")
                % {"value": text}
            ) from None
    if column == "referral_code" and not REFERRAL_CODE.fullmatch(text):
        raise ValueError(
            _(
                "“%(value)s” is not a referral code: letters, digits, “-” and “_” only, as "
                "in the links members shared."
            )
            % {"value": text}
        )
    return text


def _parse_row(line: int, raw: dict, errors: list[RowError]) -> MemberRow:
    values = {}
    for column, value in raw.items():
        if value in ("", None):
            continue
        try:
            values[column] = _parse_cell(column, value)
        except ValueError as exc:
            errors.append(RowError(line, column, str(exc)))
    if values.get("birth_date") and values["birth_date"] > timezone.localdate():
        errors.append(RowError(line, "birth_date", _("The birth date is in the future.")))
    return MemberRow(
        line=line,
        values={k: v for k, v in values.items() if k in DATA_FIELDS},
        sponsor_ref=values.get("sponsor", ""),
        username=values.get("username", ""),
        opening_balance=values.get("opening_balance") or None,
    )


def _match(rows: list[MemberRow], index: MemberIndex, errors: list[RowError]) -> None:
    """Existing member of each row: by club number, then email, then phone."""
    for row in rows:
        v = row.values
        for column, by in (
            ("external_id", index.by_external_id),
            ("email", index.by_email),
            ("phone", index.by_phone),
        ):
            found = by.get(v.get(column, ""))
            if found is not None:
                row.existing_id, row.matched_by = found, column
                break
        if row.existing_id is None and not v.get("first_name"):
            errors.append(RowError(row.line, "first_name", _("A new member needs a first name.")))
        # A key the row brings that already belongs to a different member.
        for column, by in (
            ("external_id", index.by_external_id),
            ("email", index.by_email),
            ("phone", index.by_phone),
        ):
            other = by.get(v.get(column, ""))
            if other is not None and other != row.existing_id:
                errors.append(
                    RowError(
                        row.line,
                        column,
                        _("“%(value)s” already belongs to another member (%(other)s).")
                        % {"value": v[column], "other": _describe(index.by_id[other])},
                    )
                )


def _describe(member: dict) -> str:
    name = " ".join(p for p in (member["last_name"], member["first_name"]) if p)
    key = member["external_id"] or member["email"] or member["phone"]
    return f"{name}, {key}" if key else name


def _duplicates(rows: list[MemberRow], errors: list[RowError]) -> None:
    """The same person twice in the file: same club number, email or phone."""
    for column in ("external_id", "email", "phone"):
        first_line: dict = {}
        for row in rows:
            value = row.values.get(column)
            if not value:
                continue
            if value in first_line:
                errors.append(
                    RowError(
                        row.line,
                        column,
                        _("The same %(column)s “%(value)s” is already in row %(row)s.")
                        % {"column": column, "value": value, "row": first_line[value]},
                    )
                )
            else:
                first_line[value] = row.line
        by_member: dict[int, int] = {}
        for row in rows:
            if row.existing_id is None:
                continue
            if row.existing_id in by_member and column == "external_id":
                errors.append(
                    RowError(
                        row.line,
                        "external_id",
                        _("Row %(row)s already updates the same member.")
                        % {"row": by_member[row.existing_id]},
                    )
                )
            by_member.setdefault(row.existing_id, row.line)


def _file_keys(rows: list[MemberRow], index: MemberIndex) -> dict[str, dict]:
    """Keys by which other rows may name each row's member (its values after import)."""
    maps = {"external_id": {}, "username": {}, "email": {}, "phone": {}}
    for i, row in enumerate(rows):
        current = index.by_id.get(row.existing_id, {}) if row.existing_id else {}
        for column in ("external_id", "email", "phone"):
            value = row.values.get(column) or current.get(column)
            if value:
                maps[column].setdefault(value.lower() if column == "email" else value, i)
        login = row.username or index.usernames.get(row.existing_id)
        if login:
            maps["username"].setdefault(login, i)
    return maps


def _resolve_sponsors(rows, index: MemberIndex, errors) -> None:
    maps = _file_keys(rows, index)
    member_row = {row.existing_id: i for i, row in enumerate(rows) if row.existing_id}

    def entity_of_row(i):
        return ("m", rows[i].existing_id) if rows[i].existing_id else ("r", i)

    for i, row in enumerate(rows):
        ref = row.sponsor_ref
        if not ref:
            if row.existing_id:
                sponsor_id = index.by_id[row.existing_id]["sponsor_id"]
                row.parent = ("m", sponsor_id) if sponsor_id else None
            continue
        found = None
        for column in ("external_id", "username", "email", "phone"):
            key = ref.lower() if column == "email" else phone_key(ref) if column == "phone" else ref
            if key and key in maps[column]:
                found = entity_of_row(maps[column][key])
                break
        if found is None:
            member_id = index.find(ref)
            if member_id is not None:
                found = ("m", member_id)
        if found is None:
            errors.append(
                RowError(
                    row.line,
                    "sponsor",
                    _(
                        "Unknown sponsor “%(value)s”: no member with this club number, login, "
                        "email or phone in the file or the database."
                    )
                    % {"value": ref},
                )  # fmt: skip
            )
            continue
        if found == entity_of_row(i):
            errors.append(RowError(row.line, "sponsor", _("A member cannot be their own sponsor.")))
            continue
        row.parent = found
        if row.existing_id:
            row.moves = found != (
                ("m", index.by_id[row.existing_id]["sponsor_id"])
                if index.by_id[row.existing_id]["sponsor_id"]
                else None
            )
    _check_cycles(rows, index, member_row, errors)


def _check_cycles(rows, index: MemberIndex, member_row: dict, errors) -> None:
    """Walk up the tree as it will be after the import; a walk that comes back to where
    it has been is a cycle (which includes moving a member under its own downline)."""

    def parent(entity):
        kind, key = entity
        if kind == "r":
            return rows[key].parent
        if key in member_row:
            return rows[member_row[key]].parent
        sponsor_id = index.by_id[key]["sponsor_id"] if key in index.by_id else None
        return ("m", sponsor_id) if sponsor_id else None

    def row_of(entity):
        kind, key = entity
        return rows[key] if kind == "r" else rows[member_row[key]] if key in member_row else None

    depth: dict = {}
    bad = set()
    for i, row in enumerate(rows):
        start = ("m", row.existing_id) if row.existing_id else ("r", i)
        stack, on_stack = [], {}
        node = start
        while node is not None and node not in depth and node not in bad:
            if node in on_stack:
                cycle = stack[on_stack[node] :]
                _report_cycle(cycle, row_of, index, errors)
                bad.update(stack)
                break
            on_stack[node] = len(stack)
            stack.append(node)
            node = parent(node)
        else:
            if node in bad:
                bad.update(stack)
                continue
            base = 0 if node is None else depth[node]
            for offset, entity in enumerate(reversed(stack), start=1):
                depth[entity] = base + offset
    for i, row in enumerate(rows):
        row.depth = depth.get(("m", row.existing_id) if row.existing_id else ("r", i), 0)


def _report_cycle(cycle, row_of, index: MemberIndex, errors) -> None:
    lines = [r.line for r in map(row_of, cycle) if r is not None]
    chain = " → ".join(_("row %(row)s") % {"row": n} for n in [*lines, lines[0]])
    for entity in cycle:
        row = row_of(entity)
        if row is None or not row.sponsor_ref:
            continue
        if row.existing_id and row.parent and row.parent[0] == "m":
            me, target = index.by_id[row.existing_id], index.by_id.get(row.parent[1])
            if target and target["path"].startswith(me["path"]):
                errors.append(
                    RowError(
                        row.line,
                        "sponsor",
                        _(
                            "“%(sponsor)s” is in this member's own downline (level %(level)s): "
                            "a member cannot be moved under one of their followers."
                        )
                        % {"sponsor": row.sponsor_ref, "level": target["depth"] - me["depth"]},
                    )  # fmt: skip
                )
                continue
        errors.append(
            RowError(
                row.line,
                "sponsor",
                _("Sponsors form a cycle: %(chain)s.") % {"chain": chain},
            )
        )


def _check_depth(rows: list[MemberRow], index: MemberIndex, errors: list[RowError]) -> None:
    """Refuse, by row, members the file would put deeper than the tree can hold: its own
    rows, and the downline (in the database) of existing members it moves deeper."""
    limit_message = _(
        "This member would be at level %(depth)s of the referral tree, which holds at most "
        "%(limit)s levels. Check the sponsor column: a chain this long is usually a "
        "mistake in the file."
    )
    for row in rows:
        if row.depth > MAX_DEPTH:
            values = {"depth": row.depth, "limit": MAX_DEPTH}
            errors.append(RowError(row.line, "sponsor", limit_message % values))
            continue
        # A moved member's downline moves with it; rows below it that the file does not
        # move are in that downline, so one range query per moved member covers them.
        current = index.by_id.get(row.existing_id) if row.moves else None
        if not current or not current["numchild"] or row.depth <= current["depth"]:
            continue
        low, high = path_bounds(current["path"])
        below = Member.objects.filter(path__gte=low)
        if high:
            below = below.filter(path__lt=high)
        deepest = below.aggregate(deepest=Max("depth"))["deepest"] or current["depth"]
        new_depth = deepest - current["depth"] + row.depth
        if new_depth > MAX_DEPTH:
            errors.append(
                RowError(
                    row.line,
                    "sponsor",
                    _(
                        "This move would put the member's downline %(depth)s levels deep; "
                        "the referral tree holds at most %(limit)s."
                    )
                    % {"depth": new_depth, "limit": MAX_DEPTH},
                )
            )


def _check_club_numbers(rows: list[MemberRow], index: MemberIndex, errors, warnings) -> None:
    """Club numbers Excel may have stripped of their leading zeros ("00123" -> "123")."""
    file_numbers = {r.values["external_id"] for r in rows if r.values.get("external_id")}
    refs = [(r, "external_id", r.values.get("external_id", "")) for r in rows]
    refs += [(r, "sponsor", r.sponsor_ref) for r in rows]
    zero_led = zero_led_club_numbers(ref for _row, _column, ref in refs)
    for number in file_numbers:
        if number.startswith("0") and number.lstrip("0"):
            zero_led.setdefault(number.lstrip("0"), []).append(number)
    for row, column, ref in refs:
        variants = sorted(set(zero_led.get(ref, [])) - {ref}) if is_plain_number(ref) else []
        if not variants:
            continue
        exact = ref in index.by_external_id
        if column == "sponsor":
            exact = exact or ref in file_numbers or index.find(ref) is not None
        message = lost_zeros_message(ref, variants, matched=exact)
        if exact:
            warnings.append(RowWarning(row.line, column, message))
        else:  # a new member, a sponsor, or an existing member's number losing its zeros
            errors.append(RowError(row.line, column, message))


def _check_referral_codes(rows: list[MemberRow], index: MemberIndex, errors, warnings) -> None:
    """A code from the file must be unique (in the file and in the club); changing the
    code of an existing member breaks the links it was shared with."""
    first_line: dict[str, int] = {}
    for row in rows:
        code = row.values.get("referral_code")
        if not code:
            continue
        if code in first_line:
            errors.append(
                RowError(
                    row.line,
                    "referral_code",
                    _("The same referral code “%(value)s” is already in row %(row)s.")
                    % {"value": code, "row": first_line[code]},
                )
            )
        first_line.setdefault(code, row.line)
    codes = list(first_line)
    owners: dict[str, dict] = {}
    for start in range(0, len(codes), CHUNK):
        for member in Member.objects.filter(referral_code__in=codes[start : start + CHUNK]).values(
            "id", "referral_code", "first_name", "last_name", "external_id", "email", "phone"
        ):
            owners[member["referral_code"]] = member
    for row in rows:
        code = row.values.get("referral_code")
        owner = owners.get(code) if code else None
        if owner and owner["id"] != row.existing_id:
            owner["phone"] = str(owner["phone"] or "")
            errors.append(
                RowError(
                    row.line,
                    "referral_code",
                    _("The referral code “%(value)s” belongs to another member (%(other)s).")
                    % {"value": code, "other": _describe(owner)},
                )
            )
        elif code and row.existing_id:
            current = index.by_id[row.existing_id]["referral_code"]
            if current != code:
                warnings.append(
                    RowWarning(
                        row.line,
                        "referral_code",
                        _(
                            "The member's referral code changes from “%(old)s” to “%(new)s”: "
                            "links shared with the old code stop working."
                        )
                        % {"old": current, "new": code},
                    )
                )


def _check_opening_balances(rows: list[MemberRow], errors, warnings) -> None:
    """Once per member: a member already credited with the same opening balance is
    unchanged, with another one refused; a member who already has ledger entries gets it
    only when staff confirm (a warning)."""
    member_ids = [r.existing_id for r in rows if r.opening_balance and r.existing_id]
    ledger = {}
    for start in range(0, len(member_ids), CHUNK):
        ledger.update(
            (row["member_id"], row)
            for row in LedgerEntry.objects.filter(member_id__in=member_ids[start : start + CHUNK])
            .values("member_id")
            .annotate(
                openings=Count("id", filter=Q(kind=LedgerEntry.Kind.OPENING)),
                opening=Sum("amount", filter=Q(kind=LedgerEntry.Kind.OPENING)),
                entries=Count("id"),
                balance=Sum("amount"),
            )
            .order_by()
        )
    for row in rows:
        found = ledger.get(row.existing_id) if row.opening_balance else None
        if not found:
            continue
        amount = row.opening_balance
        if found["openings"]:
            if found["opening"] == amount:
                row.opening_balance = None  # already credited: nothing to do
                continue
            errors.append(
                RowError(
                    row.line,
                    "opening_balance",
                    _(
                        "This member already has an opening balance of %(old)s; an opening "
                        "balance is carried over once. Correct it with a manual adjustment "
                        "in the ledger."
                    )
                    % {"old": format_money(found["opening"])},
                )
            )
            continue
        warnings.append(
            RowWarning(
                row.line,
                "opening_balance",
                _(
                    "This member already has %(count)s ledger entries (balance %(balance)s): "
                    "the opening balance %(amount)s is added on top. Confirm only if the old "
                    "programme's amount is not in BonusDesk yet."
                )
                % {
                    "count": found["entries"],
                    "balance": format_money(found["balance"] or 0),
                    "amount": format_money(amount),
                },
            )
        )


def _full_name(values: dict) -> str:
    return " ".join(values[k] for k in NAME_FIELDS if values.get(k))


def _classify(rows: list[MemberRow], index: MemberIndex, errors: list[RowError], warnings):
    bad_lines = {e.row for e in errors}
    key_names = {"email": _("email"), "phone": _("phone")}
    for row in rows:
        if row.line in bad_lines:
            row.status = ERROR
            continue
        if row.existing_id is None:
            row.status = NEW
            continue
        current = index.by_id[row.existing_id]
        row.changes = {k: v for k, v in row.values.items() if current.get(k) != v}
        login_changes = row.username and index.usernames.get(row.existing_id) != row.username
        if login_changes:
            row.changes["username"] = row.username
        renamed = [k for k in NAME_FIELDS if k in row.changes]
        if renamed and row.matched_by in key_names:
            warnings.append(
                RowWarning(
                    row.line,
                    renamed[0],
                    _(
                        "Matched by %(key)s: the name on file is “%(old)s”, the file says "
                        "“%(new)s”. Confirm only if this is the same person."
                    )
                    % {
                        "key": key_names[row.matched_by],
                        "old": _full_name(current),
                        "new": _full_name({**current, **row.values}),
                    },
                )
            )
        changed = row.changes or row.moves or row.opening_balance
        row.status = UPDATED if changed else UNCHANGED


def plan_members(table: Table, *, by=None, progress=None) -> MembersPlan:
    """Check every row of `table`; the plan carries the errors and warnings, or what to
    write. `by`: the staff user importing (None: the command line), whose role limits the
    rows. `progress` (a Watch) is called between steps with the rows done."""
    errors: list[RowError] = list(table.errors)
    warnings: list[RowWarning] = []
    rows = [_parse_row(line, raw, errors) for line, raw in table.rows]
    if progress:
        progress(len(rows) // 2)
    index = MemberIndex()
    refs = [r.sponsor_ref for r in rows if r.sponsor_ref]
    index.load_keys(
        external_ids=[r.values.get("external_id") for r in rows] + refs,
        usernames=[r.username for r in rows] + refs,
        emails=[r.values.get("email") for r in rows] + [x.lower() for x in refs if "@" in x],
        phones=[r.values.get("phone") for r in rows] + [phone_key(x) for x in refs],
    )
    index.load_ancestors()
    user_ids = existing_usernames(r.username for r in rows if r.username)
    _match(rows, index, errors)
    for row in rows:
        owner = index.by_username.get(row.username)
        if row.username and owner is not None and owner != row.existing_id:
            errors.append(
                RowError(
                    row.line,
                    "username",
                    _("The login “%(value)s” belongs to another member (%(other)s).")
                    % {"value": row.username, "other": _describe(index.by_id[owner])},
                )
            )
    _duplicates(rows, errors)
    _check_club_numbers(rows, index, errors, warnings)
    _resolve_sponsors(rows, index, errors)
    errors.extend(role_errors(rows, index, user_ids, by))
    if progress:
        progress(len(rows) * 3 // 4)
    _check_depth(rows, index, errors)
    _check_referral_codes(rows, index, errors, warnings)
    _check_opening_balances(rows, errors, warnings)
    _classify(rows, index, errors, warnings)
    rows += [MemberRow(line=line, values={}, status=ERROR) for line in table.unreadable]
    if progress:
        progress(len(rows))
    bad_lines = {e.row for e in errors}
    return MembersPlan(
        rows=rows,
        errors=sorted_errors(errors, MEMBER_ALIASES),
        index=index,
        user_ids=user_ids,
        warnings=sorted_errors([w for w in warnings if w.row not in bad_lines], MEMBER_ALIASES),
        source=table.source,
    )


def rows_by_status(plan: MembersPlan) -> dict[str, list[MemberRow]]:
    grouped = defaultdict(list)
    for row in plan.rows:
        grouped[row.status].append(row)
    return grouped
