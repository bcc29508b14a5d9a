from dataclasses import dataclass


class ImportFileError(Exception):
    """The file as a whole cannot be imported (unreadable, a required column missing)."""


@dataclass(frozen=True)
class RowError:
    """What is wrong with one cell: `row` as the spreadsheet numbers it, `column` by name."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass(frozen=True)
class RowWarning(RowError):
    """Something staff must look at and confirm before the file is written (a member's
    name changing on a match by phone, an opening balance on top of a ledger)."""


def sorted_errors(errors: list[RowError], columns) -> list[RowError]:
    """By row, then in the order of `columns` (canonical names; others last), without
    repeats."""
    order = {name: i for i, name in enumerate(columns)}
    unique = list(dict.fromkeys(errors))
    return sorted(unique, key=lambda e: (e.row, order.get(e.column, len(order)), e.column))
