"""Spreadsheet imports as jobs: upload, check (a dry run that writes nothing), preview,
confirm, write.

A small file is checked inside the web request while the check fits
IMPORT_REQUEST_SECONDS; a larger one, or a check that overruns, goes to the django-q2
worker, and staff follow its progress page. A job never stays "checking" or "importing"
for good: the worker's own limit (IMPORT_CHECK_SECONDS) fails an overlong check with a
reason, and a job that shows no sign of life for longer than any task may run (the
worker died) is failed by `import_jobs_tidy`, which the import pages and an hourly
schedule call; a job whose worker process has left the clusters' heartbeat is failed
the same way within seconds (core.worker's task claims). A failed or refused file can be
checked again.

The uploaded file lives in the private `imports` storage: deleted once imported, kept
IMPORT_KEEP_FAILED_DAYS after a failure or a refusal, then deleted.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from bonuses.imports.errors import ImportFileError, RowWarning
from bonuses.imports.limits import CheckTimedOut, Watch, check_upload_size
from bonuses.imports.run import run_import
from bonuses.models import ImportJob
from core import worker

log = logging.getLogger(__name__)

PREVIEW_ROWS = 500
EXTENSIONS = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")
Status = ImportJob.Status


def stale_after() -> timedelta:
    """How long a running job may show no sign of life: longer than the worker lets any
    task run (Q_CLUSTER timeout), so only a dead job is ever taken for stale."""
    return timedelta(seconds=settings.Q_CLUSTER["timeout"]) + timedelta(minutes=10)


def _heartbeat(job_id: int):
    def report(rows: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(rows_done=rows, heartbeat_at=timezone.now())

    return report


# The django-q2 task name of each running status's step (core.worker finds its claim).
TASK_NAMES = {Status.CHECKING: "import_job_check #{pk}", Status.IMPORTING: "import #{pk}"}


def _to_worker(job: ImportJob, task: str) -> None:
    job.result = {**job.result, "in_worker": True}
    job.save(update_fields=["result"])
    async_task(f"bonuses.tasks.{task}", job.pk, task_name=f"{task} #{job.pk}")


def waits_for_worker(job: ImportJob) -> bool:
    """A running job handed to the worker while no worker cluster is alive."""
    return not job.finished and bool(job.result.get("in_worker")) and not worker.worker_running()


def _worker_lost(job: ImportJob) -> bool:
    """The worker process that took this job's step is gone (killed, out of memory, its
    machine lost): the step's claim is held by a process no live cluster lists."""
    name = TASK_NAMES[job.status].format(pk=job.pk)
    return bool(job.result.get("in_worker")) and worker.named_task_progress(name) == worker.LOST


def _read(job: ImportJob) -> bytes:
    with job.file.open("rb") as handle:
        return handle.read()


def _delete_file(job: ImportJob) -> None:
    if job.file:
        job.file.delete(save=False)
        job.file = ""
        job.save(update_fields=["file"])


def _language(job: ImportJob) -> str:
    return job.result.get("language") or settings.LANGUAGE_CODE


def _fail(job: ImportJob, reason: str) -> None:
    """Failed for a reason outside the file (time, the worker, an error): it may pass when
    checked again, which the job page offers."""
    job.status, job.finished_at = Status.FAILED, timezone.now()
    job.result = {**job.result, "file_error": reason, "retry": True}
    job.save(update_fields=["status", "result", "finished_at"])


def import_job_start(*, kind: str, upload: UploadedFile, by) -> ImportJob:
    """Keep the uploaded file (refused first when too large or of another kind) and check
    it: here while it fits the request's time budget, else on the worker."""
    if kind not in ImportJob.Kind.values:
        raise ValidationError({"kind": _("Choose members or payments.")})
    if not upload.name.lower().endswith(EXTENSIONS):
        raise ValidationError(
            {"file": _("Upload a spreadsheet: .xlsx, or .csv / .txt saved from Excel.")}
        )
    try:
        check_upload_size(upload.size)
    except ImportFileError as exc:
        raise ValidationError({"file": str(exc)}) from exc
    job = ImportJob.objects.create(
        kind=kind,
        file=upload,
        name=upload.name[:255],
        created_by=by,
        heartbeat_at=timezone.now(),
        # The worker reports in the language of whoever uploaded the file.
        result={"language": translation.get_language()},
    )
    if upload.size > settings.IMPORT_BACKGROUND_BYTES:
        _to_worker(job, "import_job_check")
    else:
        try:
            _check(job.pk, seconds=settings.IMPORT_REQUEST_SECONDS, in_worker=False)
        except CheckTimedOut:
            ImportJob.objects.filter(pk=job.pk).update(rows_done=0, heartbeat_at=timezone.now())
            _to_worker(job, "import_job_check")
    job.refresh_from_db()
    return job


def import_job_check(job_id: int) -> str:
    """The worker's check (django-q2 task), within IMPORT_CHECK_SECONDS."""
    return _check(job_id, seconds=settings.IMPORT_CHECK_SECONDS, in_worker=True)


def _check(job_id: int, *, seconds: float, in_worker: bool) -> str:
    """The dry run behind the preview: every row's status, every error and warning,
    nothing written. Returns the job's status; raises CheckTimedOut only in the request
    (the caller moves the job to the worker)."""
    claimed = ImportJob.objects.filter(pk=job_id, status=Status.CHECKING).update(
        heartbeat_at=timezone.now()
    )
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if not claimed:
        return job.status  # failed as stale meanwhile, or checked by another run
    watch = Watch(seconds=seconds, report=_heartbeat(job_id))
    try:
        with translation.override(_language(job)):
            outcome = run_import(
                job.kind,
                _read(job),
                job.name,
                dry_run=True,
                by=job.created_by,
                watch=watch,
                preview_rows=PREVIEW_ROWS,
            )
    except CheckTimedOut:
        if not in_worker:
            raise
        _fail(
            job,
            _(
                "The check took longer than %(minutes)s minutes and was stopped; nothing was "
                "written. Split the file into smaller ones, or check it again later."
            )
            % {"minutes": round(seconds / 60)},
        )
        return job.status
    except Exception as exc:  # the job must end with a reason, never stay "checking"
        log.exception("import job %s: the check failed", job_id)
        _fail(job, _("The check failed: %(error)s") % {"error": exc})
        return job.status
    if outcome.file_error:
        job.status = Status.FAILED
    else:
        job.status = Status.REFUSED if outcome.errors else Status.CHECKED
    keep = {k: job.result[k] for k in ("in_worker", "language") if k in job.result}
    job.result = {**outcome.as_dict(), **keep}
    job.rows_done = sum(outcome.counts.values())
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "result", "rows_done", "finished_at"])
    return job.status


def import_job_confirm(*, job: ImportJob, by, warnings_confirmed: bool = False) -> ImportJob:
    """Write a checked, clean file. Warnings in the preview must be confirmed (staff tick
    a box); they are written down with the job. A conditional update makes a double click
    (or two staff members confirming at once) start one write only."""
    if job.status != Status.CHECKED or job.result.get("errors"):
        raise ValidationError(_("Only a checked file without errors can be imported."))
    if job.result.get("warnings") and not warnings_confirmed:
        raise ValidationError(
            _("Read the warnings and tick the box to confirm them before importing.")
        )
    result = {**job.result, "confirmed": job.result.get("warnings", []), "confirmed_by": by.pk}
    started = ImportJob.objects.filter(pk=job.pk, status=Status.CHECKED).update(
        status=Status.IMPORTING, rows_done=0, heartbeat_at=timezone.now(), result=result
    )
    if not started:
        raise ValidationError(_("This file is already being imported."))
    job.refresh_from_db()
    if job.result.get("in_worker"):
        async_task("bonuses.tasks.import_job_write", job.pk, task_name=f"import #{job.pk}")
    else:
        import_job_write(job.pk)
    job.refresh_from_db()
    return job


def import_job_write(job_id: int) -> str:
    """Validate again against the database as it is now (it may have changed since the
    preview) and write the whole file and the job's new status in one transaction, or
    nothing. New errors refuse the file; new warnings send it back for confirmation."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status != Status.IMPORTING:
        return job.status
    confirmed = {RowWarning(**w) for w in job.result.get("confirmed", [])}
    try:
        with transaction.atomic(), translation.override(_language(job)):
            outcome = run_import(
                job.kind,
                _read(job),
                job.name,
                dry_run=False,
                by=job.created_by,
                preview_rows=PREVIEW_ROWS,
                confirmed=confirmed,
            )
            job.result = {**job.result, **outcome.as_dict()}
            job.rows_done = sum(outcome.counts.values())
            job.finished_at = timezone.now()
            if outcome.written:
                job.status = Status.DONE
            elif outcome.file_error:
                job.status = Status.FAILED
            else:
                job.status = Status.REFUSED if outcome.errors else Status.CHECKED
            job.save(update_fields=["status", "result", "rows_done", "finished_at"])
    except Exception as exc:  # the job must not stay "importing" forever
        log.exception("import job %s: the write failed", job_id)
        job.refresh_from_db()
        _fail(job, _("The import failed and nothing was written: %(error)s") % {"error": exc})
        return job.status
    if job.status == Status.DONE:
        _delete_file(job)
    return job.status


def may_recheck(job: ImportJob) -> bool:
    """A refused file (the database may have changed since) or a job failed for a reason
    outside the file, while the file is kept; a file that cannot be read stays so."""
    retry = job.status == Status.REFUSED or (
        job.status == Status.FAILED and job.result.get("retry")
    )
    return bool(retry and job.file)


def import_job_recheck(*, job: ImportJob) -> ImportJob:
    """Check a failed or refused file again (the worker died, the database changed)."""
    if not may_recheck(job):
        raise ValidationError(
            _("Only a failed or refused file that is still kept can be checked again.")
        )
    started = ImportJob.objects.filter(pk=job.pk, status=job.status).update(
        status=Status.CHECKING, rows_done=0, heartbeat_at=timezone.now(), finished_at=None,
        result={"language": translation.get_language()},
    )  # fmt: skip
    if not started:
        raise ValidationError(_("This file is already being checked."))
    job.refresh_from_db()
    if job.file.size > settings.IMPORT_BACKGROUND_BYTES:
        _to_worker(job, "import_job_check")
    else:
        try:
            _check(job.pk, seconds=settings.IMPORT_REQUEST_SECONDS, in_worker=False)
        except CheckTimedOut:
            _to_worker(job, "import_job_check")
    job.refresh_from_db()
    return job


def import_jobs_fail_stale(jobs=None) -> int:
    """Fail the running jobs (all, or those of the queryset `jobs`) whose worker is gone:
    those that showed no sign of life for longer than any task may run, and at once those
    whose worker process has left the clusters' heartbeat. Returns how many."""
    cutoff = timezone.now() - stale_after()
    reasons = {
        Status.CHECKING: _(
            "The check stopped without a result: the worker was stopped, or did not take the "
            "job up in time. Nothing was written; check the file again."
        ),
        Status.IMPORTING: _(
            "The import stopped without finishing: the worker was stopped. Nothing was "
            "written (an import is all or nothing); check the file again."
        ),
    }
    silent = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
    jobs = ImportJob.objects.all() if jobs is None else jobs
    running = list(jobs.filter(status__in=list(reasons)))
    stale = {job.pk for job in jobs.filter(silent, status__in=list(reasons))}
    failed = 0
    for job in running:
        if job.pk not in stale and not _worker_lost(job):
            continue
        worker.forget_task(name=TASK_NAMES[job.status].format(pk=job.pk))
        result = {**job.result, "file_error": str(reasons[job.status]), "retry": True}
        # Only if nothing moved meanwhile: a late heartbeat means the job is alive.
        failed += ImportJob.objects.filter(
            pk=job.pk, status=job.status, heartbeat_at=job.heartbeat_at
        ).update(status=Status.FAILED, result=result, finished_at=timezone.now())
    return failed


def import_files_delete_expired() -> int:
    """Delete the files no job needs any more: imported ones, and those of jobs failed,
    refused or left unconfirmed for longer than IMPORT_KEEP_FAILED_DAYS (an unconfirmed
    job is failed first). Returns how many files were deleted."""
    keep = timezone.now() - timedelta(days=settings.IMPORT_KEEP_FAILED_DAYS)
    for job in ImportJob.objects.filter(status=Status.CHECKED, finished_at__lt=keep):
        _fail(
            job,
            _("Not confirmed within %(days)s days: the file was deleted. Upload it again.")
            % {"days": settings.IMPORT_KEEP_FAILED_DAYS},
        )
    ended = Q(status__in=[Status.FAILED, Status.REFUSED], finished_at__lt=keep)
    deleted = 0
    for job in ImportJob.objects.exclude(file="").filter(Q(status=Status.DONE) | ended):
        _delete_file(job)
        deleted += 1
    return deleted


def import_jobs_tidy() -> dict[str, int]:
    """The hourly schedule: fail stale jobs, delete files past their time."""
    return {"failed": import_jobs_fail_stale(), "deleted": import_files_delete_expired()}
