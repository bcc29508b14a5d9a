import csv
import io
from pathlib import Path

from bonuses.models import Member

HEADER = [
    "external_id", "username", "first_name", "last_name", "middle_name", "email", "phone",
    "birth_date", "address", "joined_on", "sponsor",
]  # fmt: skip


def csv_bytes(rows, header=HEADER, *, delimiter=",", encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def member_row(ext, first, sponsor="", **cells):
    values = dict.fromkeys(HEADER, "")
    values.update(external_id=ext, first_name=first, sponsor=sponsor, **cells)
    return [values[c] for c in HEADER]


def tree_shape() -> set[tuple[str, str]]:
    """(member, sponsor) by club number: the tree, whatever the paths."""
    return set(Member.objects.values_list("external_id", "sponsor__external_id").order_by("path"))


def assert_tree_valid():
    problems = Member.objects.find_problems()
    assert all(not p for p in problems), problems
    for m in Member.objects.select_related("sponsor"):
        parent = Member.objects.get_parent(m)
        assert (parent.pk if parent else None) == m.sponsor_id, m
        assert m.numchild == Member.objects.filter(sponsor=m).count()
