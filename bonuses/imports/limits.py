"""What a check may cost: a time budget with progress reports, and the size limits an
uploaded file must keep (settings.IMPORT_MAX_BYTES, IMPORT_MAX_ROWS,
IMPORT_MAX_UNZIPPED_BYTES; docs/deploy.md)."""

import time
from collections.abc import Callable

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .errors import ImportFileError


class CheckTimedOut(Exception):  # noqa: N818 (a signal, not a failure of the file)
    """The check ran past its time budget: the caller moves it to the worker or fails it."""


class Watch:
    """The clock and progress of one check or write.

    Long loops call the watch (every few hundred rows): past `seconds` it raises
    CheckTimedOut; at most every `every` seconds it passes the rows done so far to
    `report` (the job's progress and heartbeat). Without arguments it only counts.
    """

    def __init__(
        self,
        *,
        seconds: float | None = None,
        report: Callable[[int], None] | None = None,
        every: float = 2.0,
    ):
        now = time.monotonic()
        self.deadline = now + seconds if seconds else None
        self.report = report
        self.every = every
        self._next_report = now + every

    def __call__(self, rows: int | None = None) -> None:
        now = time.monotonic()
        if self.deadline is not None and now > self.deadline:
            raise CheckTimedOut
        if self.report is not None and rows is not None and now >= self._next_report:
            self._next_report = now + self.every
            self.report(rows)


def size_text(size: int) -> str:
    return str(filesizeformat(size)).replace("\xa0", " ")


def check_upload_size(size: int) -> None:
    """Refuse a file larger than IMPORT_MAX_BYTES (ImportFileError naming both sizes)."""
    limit = settings.IMPORT_MAX_BYTES
    if size > limit:
        raise ImportFileError(
            _("The file is %(size)s; at most %(limit)s can be imported at once. Split it.")
            % {"size": size_text(size), "limit": size_text(limit)}
        )


def check_row_count(rows: int) -> None:
    if rows > settings.IMPORT_MAX_ROWS:
        raise ImportFileError(
            _("The file has more than %(limit)s rows of data; split it into smaller files.")
            % {"limit": f"{settings.IMPORT_MAX_ROWS:,}".replace(",", " ")}
        )
