from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """The project's user from the first migration, so fields can be added later."""

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"


class TaskClaim(models.Model):
    """A django-q2 task that a worker process has started and not yet finished.

    The Redis broker forgets a task once a cluster has taken it, so when that cluster dies
    (killed, out of memory, the machine gone) nothing but this row says the task ever
    started. A claim whose worker process no longer shows in the clusters' heartbeat is a
    lost task: the pages that follow it say so and offer to run it again (core.worker).
    """

    task_id = models.CharField(max_length=32, primary_key=True)
    name = models.CharField(max_length=100, db_index=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()

    class Meta:
        verbose_name = _("running task")
        verbose_name_plural = _("running tasks")

    def __str__(self):
        return f"{self.name} ({self.host}:{self.pid})"
