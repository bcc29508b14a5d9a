"""Import pages: upload a spreadsheet, see the preview (new / updated / unchanged / error
rows, each error by row and column), confirm, and follow a large file's progress."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from bonuses.models import ImportJob
from bonuses.services import import_jobs
from core import worker

PERMISSIONS = {
    ImportJob.Kind.MEMBERS: ("bonuses.add_member", "bonuses.change_member"),
    ImportJob.Kind.PAYMENTS: ("bonuses.add_payment", "bonuses.change_payment"),
}


def may_import(user, kind: str | None = None) -> bool:
    kinds = [kind] if kind else list(PERMISSIONS)
    return any(user.has_perms(PERMISSIONS[k]) for k in kinds)


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What the file holds"), choices=ImportJob.Kind.choices
    )
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "CSV (UTF-8 or Windows-1251, comma or semicolon) or XLSX; the first row names "
            "the columns, in Russian or English."
        ),
    )


def _context(request, **extra):
    from django.contrib import admin

    return {**admin.site.each_context(request), "title": _("Import a spreadsheet"), **extra}


@require_http_methods(["GET", "POST"])
def import_start(request):
    if not may_import(request.user):
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        if not may_import(request.user, kind):
            raise PermissionDenied
        try:
            job = import_jobs.import_job_start(
                kind=kind, upload=form.cleaned_data["file"], by=request.user
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
        else:
            return redirect("admin:import_job", job.pk)
    jobs = ImportJob.objects.select_related("created_by")[:20]
    return TemplateResponse(
        request, "admin_site/import_start.html", _context(request, form=form, jobs=jobs)
    )


def _job_for(request, job_id: int) -> ImportJob:
    job = get_object_or_404(ImportJob, pk=job_id)
    if not may_import(request.user, job.kind):
        raise PermissionDenied
    return import_jobs.import_job_find_lost(job=job)


def _waits_for_worker(job: ImportJob) -> bool:
    return not job.finished and import_jobs.in_background(job) and not worker.worker_running()


@require_http_methods(["GET", "POST"])
def import_job(request, job_id: int):
    job = _job_for(request, job_id)
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "retry":
                job = import_jobs.import_job_retry(job=job, by=request.user)
            else:
                job = import_jobs.import_job_confirm(job=job, by=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return redirect("admin:import_job", job.pk)
    result = job.result or {}
    labels = {
        "new": _("new"),
        "updated": _("updated"),
        "unchanged": _("unchanged"),
        "error": _("error"),
    }
    rows = [
        {**r, "status_label": labels.get(r["status"], r["status"])} for r in result.get("rows", [])
    ]
    return TemplateResponse(
        request,
        "admin_site/import_job.html",
        _context(
            request,
            title=_("Import of %(name)s") % {"name": job.name},
            job=job,
            counts=result.get("counts", {}),
            errors=result.get("errors", []),
            file_error=result.get("file_error", ""),
            rows=rows,
            more_rows=max(0, sum(result.get("counts", {}).values()) - len(rows)),
            error=error,
            waits_for_worker=_waits_for_worker(job),
            retryable=job.status == ImportJob.Status.FAILED and bool(result.get("retry")),
        ),
    )


def import_job_status(request, job_id: int):
    job = _job_for(request, job_id)
    return JsonResponse(
        {
            "status": job.status,
            "label": job.get_status_display(),
            "rows_done": job.rows_done,
            "finished": job.finished,
            "waits_for_worker": _waits_for_worker(job),
        }
    )
