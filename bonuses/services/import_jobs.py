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
from core import worker

PREVIEW_ROWS = 500
EXTENSIONS = (".csv", ".xlsx")


def in_background(job: ImportJob) -> bool:
    """Whether the job's steps run on the worker (large files) or in the request."""
    return job.file.size > settings.IMPORT_BACKGROUND_BYTES


def _task_name(step_name: str, job_id: int) -> str:
    return f"{step_name} #{job_id}"


def _dispatch(job: ImportJob, step) -> None:
    """Run `step` now, or hand it to the worker (bonuses.tasks has a task of the same name)."""
    if in_background(job):
        name = step.__name__
        async_task(f"bonuses.tasks.{name}", job.pk, task_name=_task_name(name, job.pk))
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
    if job.status != ImportJob.Status.IMPORTING:
        # The ORM broker hands a task whose worker died to another worker after
        # Q_CLUSTER["retry"]; by then the job was found lost and failed (or retried).
        return job.status
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


# The step each running status waits for, and what a lost step leaves the job as.
_STEPS = {
    ImportJob.Status.CHECKING: import_job_check,
    ImportJob.Status.IMPORTING: import_job_write,
}


def import_job_find_lost(*, job: ImportJob) -> ImportJob:
    """Fail a background job whose worker died in the middle of its step.

    In: a job as a page shows it. Out: the same job, now FAILED with a retryable
    `result["retry"]` when the worker that took its step has left the clusters'
    heartbeat (core.worker); unchanged otherwise. A write that died wrote nothing: it runs
    in one transaction, which the database rolls back when the connection drops.
    """
    step = _STEPS.get(job.status)
    if step is None or not in_background(job):
        return job
    name = _task_name(step.__name__, job.pk)
    if worker.named_task_progress(name) != worker.LOST:
        return job
    message = _("The worker stopped while working on this file; nothing was written. Run it again.")
    ImportJob.objects.filter(pk=job.pk, status=job.status).update(
        status=ImportJob.Status.FAILED,
        finished_at=timezone.now(),
        result={**job.result, "file_error": message, "retry": step.__name__},
    )
    worker.forget_task(name=name)
    job.refresh_from_db()
    return job


def import_job_retry(*, job: ImportJob, by) -> ImportJob:
    """Run again the step that a dead worker left unfinished (see import_job_find_lost).

    Raises ValidationError when the job did not fail that way, or when another staff
    member has just retried it."""
    steps = {step.__name__: (status, step) for status, step in _STEPS.items()}
    if job.status != ImportJob.Status.FAILED or job.result.get("retry") not in steps:
        raise ValidationError(_("Only a job whose worker stopped can be run again."))
    status, step = steps[job.result["retry"]]
    result = {k: v for k, v in job.result.items() if k not in ("retry", "file_error")}
    started = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.FAILED).update(
        status=status, result=result, rows_done=0, finished_at=None
    )
    if not started:
        raise ValidationError(_("This file is already being imported."))
    job.refresh_from_db()
    _dispatch(job, step)
    job.refresh_from_db()
    return job
