from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class BonusDeskAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with BonusDesk's Unfold site as `admin.site`, so that every
    app's registrations land on it (and django-q2's can be swapped for Unfold ones)."""

    default = False
    default_site = "admin_site.site.BonusDeskAdminSite"


class AdminSiteConfig(AppConfig):
    default = True
    name = "admin_site"
    verbose_name = _("Administration")

    def ready(self):
        from django.db.models.signals import post_migrate

        from .roles import grant_administrator_everything

        # After every app's own post_migrate (admin_site has no models, so it gets no
        # signal of its own): auth's create_permissions is connected first and has just
        # made that app's permissions.
        post_migrate.connect(grant_administrator_everything, dispatch_uid="bonusdesk_admin_all")

        from . import autocomplete

        autocomplete.install()
