from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class BonusesConfig(AppConfig):
    name = "bonuses"
    verbose_name = _("Bonuses")

    def ready(self):
        from .tasks import ensure_schedules

        post_migrate.connect(
            ensure_schedules, sender=self, dispatch_uid="bonuses.tasks.ensure_schedules"
        )
