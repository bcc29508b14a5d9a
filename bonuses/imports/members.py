"""Validate a members file completely before anything is written.

Each row is matched to an existing member (club number, then email, then phone) or is a
new one; its sponsor may be in the database or anywhere in the file. Every problem is a
RowError naming the row and column; only a file without errors gets a write plan.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from .cells import parse_date, parse_email, parse_phone
from .errors import RowError
from .keys import MemberIndex, existing_usernames, phone_key
from .reading import MEMBER_ALIASES, Table, read_table
from .roles import role_errors

TEXT_LIMITS = {
    "external_id": 64, "username": 150, "first_name": 150, "last_name": 150,
    "middle_name": 150, "address": 500,
}  # fmt: skip
DATA_FIELDS = (
    "external_id", "first_name", "last_name", "middle_name", "email", "phone",
    "birth_date", "address", "joined_on",
)  # fmt: skip

NEW, UPDATED, UNCHANGED, ERROR = "new", "updated", "unchanged", "error"


@dataclass
class MemberRow:
    line: int
    values: dict  # parsed, only the cells the file fills
    sponsor_ref: str = ""
    username: str = ""
    existing_id: int | None = None
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

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys((NEW, UPDATED, UNCHANGED, ERROR), 0)
        for row in self.rows:
            counts[row.status] += 1
        return counts


def read_members(data: bytes, name: str) -> Table:
    return read_table(data, name, MEMBER_ALIASES, required={"first_name"})


def _parse_row(line: int, raw: dict, errors: list[RowError]) -> MemberRow:
    values = {}
    for column, value in raw.items():
        if value in ("", None):
            continue
        try:
            if column in ("birth_date", "joined_on"):
                values[column] = parse_date(value)
            elif column == "email":
                values[column] = parse_email(str(value))
            elif column == "phone":
                values[column] = parse_phone(str(value))
            else:
                text = str(value)
                limit = TEXT_LIMITS.get(column)
                if limit and len(text) > limit:
                    raise ValueError(
                        _("Too long: %(length)s characters, at most %(limit)s.")
                        % {"length": len(text), "limit": limit}
                    )
                values[column] = text
        except ValueError as exc:
            errors.append(RowError(line, column, str(exc)))
    if values.get("birth_date") and values["birth_date"] > timezone.localdate():
        errors.append(RowError(line, "birth_date", _("The birth date is in the future.")))
    return MemberRow(
        line=line,
        values={k: v for k, v in values.items() if k in DATA_FIELDS},
        sponsor_ref=values.get("sponsor", ""),
        username=values.get("username", ""),
    )


def _match(rows: list[MemberRow], index: MemberIndex, errors: list[RowError]) -> None:
    """Existing member of each row: by club number, then email, then phone."""
    for row in rows:
        v = row.values
        for found in (
            index.by_external_id.get(v.get("external_id", "")),
            index.by_email.get(v.get("email", "")),
            index.by_phone.get(v.get("phone", "")),
        ):
            if found is not None:
                row.existing_id = found
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


def _classify(rows: list[MemberRow], index: MemberIndex, errors: list[RowError]) -> None:
    bad_lines = {e.row for e in errors}
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
        row.status = UPDATED if row.changes or row.moves else UNCHANGED


def plan_members(table: Table, *, by=None, progress=None) -> MembersPlan:
    """Check every row of `table`; the plan carries the errors or what to write. `by`:
    the staff user importing (None: the command line), whose role limits the rows."""
    errors: list[RowError] = []
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
    _resolve_sponsors(rows, index, errors)
    errors.extend(role_errors(rows, index, user_ids, by))
    _classify(rows, index, errors)
    errors.sort(key=lambda e: (e.row, list(MEMBER_ALIASES).index(e.column)))
    if progress:
        progress(len(rows))
    return MembersPlan(rows=rows, errors=_unique(errors), index=index, user_ids=user_ids)


def _unique(errors: list[RowError]) -> list[RowError]:
    seen, out = set(), []
    for error in errors:
        if error not in seen:
            seen.add(error)
            out.append(error)
    return out


def rows_by_status(plan: MembersPlan) -> dict[str, list[MemberRow]]:
    grouped = defaultdict(list)
    for row in plan.rows:
        grouped[row.status].append(row)
    return grouped
