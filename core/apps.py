from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Users")

    def ready(self):
        from django_q.signals import post_execute, pre_execute

        from . import lookups, worker

        lookups.register()
        pre_execute.connect(worker.claim_task, dispatch_uid="core.worker.claim_task")
        post_execute.connect(worker.release_task, dispatch_uid="core.worker.release_task")
