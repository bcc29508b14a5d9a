from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class BonusesConfig(AppConfig):
    name = "bonuses"
    verbose_name = _("Bonuses")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from .models import Package, Plan, PlanLevel
        from .services.plans import forget_plan_terms
        from .tasks import ensure_schedules

        for model in (Plan, PlanLevel, Package):
            for signal in (post_save, post_delete):
                signal.connect(
                    forget_plan_terms, sender=model, dispatch_uid=f"plans-{signal}-{model}"
                )

        post_migrate.connect(
            ensure_schedules, sender=self, dispatch_uid="bonuses.tasks.ensure_schedules"
        )
