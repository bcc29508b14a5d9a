"""Spreadsheet imports as jobs: upload, check (a dry run that writes nothing), preview,
confirm, write. Small files run in the request; large ones on the django-q2 worker, so
a staff member can leave the page and come back to the job."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from bonuses.imports.run import run_import
from bonuses.models import ImportJob

PREVIEW_ROWS = 500
EXTENSIONS = (".csv", ".xlsx")


def _in_background(job: ImportJob) -> bool:
    return job.file.size > settings.IMPORT_BACKGROUND_BYTES


def _dispatch(job: ImportJob, step) -> None:
    """Run `step` now, or hand it to the worker (bonuses.tasks has a task of the same name)."""
    if _in_background(job):
        name = step.__name__
        async_task(f"bonuses.tasks.{name}", job.pk, task_name=f"{name} #{job.pk}")
    else:
        step(job.pk)


def import_job_start(*, kind: str, upload: UploadedFile, by) -> ImportJob:
    """Keep the uploaded file and check it."""
    if kind not in ImportJob.Kind.values:
        raise ValidationError({"kind": _("Choose members or payments.")})
    if not upload.name.lower().endswith(EXTENSIONS):
        raise ValidationError({"file": _("Upload a .csv or .xlsx file.")})
    job = ImportJob.objects.create(kind=kind, file=upload, name=upload.name[:255], created_by=by)
    _dispatch(job, import_job_check)
    return job


def _progress(job_id: int):
    def report(rows: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(rows_done=rows)

    return report


def _finish(job: ImportJob, status: str, outcome) -> None:
    job.status = status
    job.result = outcome.as_dict()
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "result", "finished_at", "rows_done"])


def _read(job: ImportJob) -> bytes:
    with job.file.open("rb") as handle:
        return handle.read()


def import_job_check(job_id: int) -> str:
    """The dry run behind the preview: every row's status and every error, nothing written."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    outcome = run_import(
        job.kind,
        _read(job),
        job.name,
        dry_run=True,
        by=job.created_by,
        progress=_progress(job.pk),
        preview_rows=PREVIEW_ROWS,
    )
    job.rows_done = sum(outcome.counts.values())
    _finish(
        job,
        ImportJob.Status.CHECKED if not outcome.file_error else ImportJob.Status.FAILED,
        outcome,
    )
    return job.status


def import_job_confirm(*, job: ImportJob, by) -> ImportJob:
    """Write a checked, clean file. A conditional update makes a double click (or two staff
    members confirming at once) start one write only."""
    if job.status != ImportJob.Status.CHECKED or job.result.get("errors"):
        raise ValidationError(_("Only a checked file without errors can be imported."))
    started = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.CHECKED).update(
        status=ImportJob.Status.IMPORTING, rows_done=0
    )
    if not started:
        raise ValidationError(_("This file is already being imported."))
    job.refresh_from_db()
    _dispatch(job, import_job_write)
    job.refresh_from_db()
    return job


def import_job_write(job_id: int) -> str:
    """Validate again against the database as it is now (it may have changed since the
    preview) and write the whole file in one transaction, or nothing."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    try:
        outcome = run_import(
            job.kind,
            _read(job),
            job.name,
            dry_run=False,
            by=job.created_by,
            preview_rows=PREVIEW_ROWS,
        )
    except Exception as exc:  # the job must not stay "importing" forever
        job.status, job.finished_at = ImportJob.Status.FAILED, timezone.now()
        job.result = {
            **job.result,
            "file_error": _("The import failed: %(error)s") % {"error": exc},
        }
        job.save(update_fields=["status", "result", "finished_at"])
        raise
    job.rows_done = sum(outcome.counts.values())
    _finish(job, ImportJob.Status.DONE if outcome.written else ImportJob.Status.FAILED, outcome)
    return job.status
