from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.storage import private_imports


class ImportJob(models.Model):
    """One uploaded spreadsheet on its way in: checked first, written only once a staff
    member has seen the preview and confirmed it.

    The file lives in the private `imports` storage (settings.STORAGES), which no URL
    serves and which every web process and worker shares; it is deleted once the job is
    imported, and kept IMPORT_KEEP_FAILED_DAYS for a failed or refused one.
    `heartbeat_at` is the last sign of life of whoever runs the job: a job that shows
    none for longer than a task may run is failed with a reason (services.import_jobs).
    """

    class Kind(models.TextChoices):
        MEMBERS = "members", _("members")
        PAYMENTS = "payments", _("payments")

    class Status(models.TextChoices):
        CHECKING = "checking", _("checking")
        CHECKED = "checked", _("checked, waiting for confirmation")
        REFUSED = "refused", _("refused: the file has errors")
        IMPORTING = "importing", _("importing")
        DONE = "done", _("imported")
        FAILED = "failed", _("failed, nothing imported")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="%Y/%m/", storage=private_imports, blank=True)
    name = models.CharField(_("file name"), max_length=255)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.CHECKING
    )
    rows_done = models.PositiveIntegerField(_("rows processed"), default=0)
    result = models.JSONField(_("result"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    heartbeat_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-id"]

    def __str__(self):
        return f"{self.name} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED

    FINISHED = (Status.CHECKED, Status.REFUSED, Status.DONE, Status.FAILED)
