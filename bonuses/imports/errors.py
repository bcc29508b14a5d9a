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
