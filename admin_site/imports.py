"""Import pages: upload a spreadsheet, see the preview (what was read, new / updated /
unchanged / error rows, each change as old → new, every error and warning by row and
column), confirm, and follow a large file's progress."""

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from unfold.widgets import UnfoldAdminSelectWidget

from bonuses.imports.limits import size_text
from bonuses.imports.reading import COLUMN_LABELS
from bonuses.models import ImportJob
from bonuses.services import import_jobs
from core.uploads import dropped_upload_size

PERMISSIONS = {
    ImportJob.Kind.MEMBERS: ("bonuses.add_member", "bonuses.change_member"),
    ImportJob.Kind.PAYMENTS: ("bonuses.add_payment", "bonuses.change_payment"),
}


def may_import(user, kind: str | None = None) -> bool:
    kinds = [kind] if kind else list(PERMISSIONS)
    return any(user.has_perms(PERMISSIONS[k]) for k in kinds)


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What the file holds"),
        choices=ImportJob.Kind.choices,
        widget=UnfoldAdminSelectWidget,  # styled like every select of the admin
    )
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "XLSX (the sheet Excel opens on is read), or CSV / Unicode text saved from Excel "
            "(UTF-8, UTF-16 or Windows-1251; comma, semicolon or tab). The first row names "
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
    if too_large := dropped_upload_size(request):
        form.is_valid()
        form.errors["file"] = form.error_class(
            [
                _("The file is %(size)s; at most %(limit)s can be imported at once. Split it.")
                % {"size": size_text(too_large), "limit": size_text(settings.IMPORT_MAX_BYTES)}
            ]
        )
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
    import_jobs.import_jobs_fail_stale()
    jobs = ImportJob.objects.select_related("created_by")[:20]
    return TemplateResponse(
        request, "admin_site/import_start.html", _context(request, form=form, jobs=jobs)
    )


def _job_for(request, job_id: int) -> ImportJob:
    job = get_object_or_404(ImportJob, pk=job_id)
    if not may_import(request.user, job.kind):
        raise PermissionDenied
    if not job.finished and import_jobs.import_jobs_fail_stale(ImportJob.objects.filter(pk=job.pk)):
        job.refresh_from_db()
    return job


STATUS_LABELS = {
    "new": gettext_lazy("new"),
    "updated": gettext_lazy("updated"),
    "unchanged": gettext_lazy("unchanged"),
    "error": gettext_lazy("error"),
}


def _labelled(items: list[dict]) -> list[dict]:
    return [
        {**item, "column_label": COLUMN_LABELS.get(item["column"], item["column"])}
        for item in items
    ]


@require_http_methods(["GET", "POST"])
def import_job(request, job_id: int):
    job = _job_for(request, job_id)
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "recheck":
                job = import_jobs.import_job_recheck(job=job)
            else:
                job = import_jobs.import_job_confirm(
                    job=job,
                    by=request.user,
                    warnings_confirmed=request.POST.get("confirm_warnings") == "on",
                )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return redirect("admin:import_job", job.pk)
    result = job.result or {}
    rows = [
        {
            **r,
            "status_label": STATUS_LABELS.get(r["status"], r["status"]),
            "changes": [
                {**c, "label": COLUMN_LABELS.get(c["field"], c["field"])}
                for c in r.get("changes", [])
            ],
        }
        for r in result.get("rows", [])
    ]
    source = result.get("source", {})
    return TemplateResponse(
        request,
        "admin_site/import_job.html",
        _context(
            request,
            title=_("Import of %(name)s") % {"name": job.name},
            job=job,
            counts=result.get("counts", {}),
            errors=_labelled(result.get("errors", [])),
            warnings=_labelled(result.get("warnings", [])),
            file_error=result.get("file_error", ""),
            source=source,
            separator_label={"\t": _("tab"), ";": ";", ",": ","}.get(source.get("separator"), ""),
            rows=rows,
            more_rows=max(0, sum(result.get("counts", {}).values()) - len(rows)),
            may_recheck=import_jobs.may_recheck(job),
            waits_for_worker=import_jobs.waits_for_worker(job),
            error=error,
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
            "waits_for_worker": import_jobs.waits_for_worker(job),
        }
    )
