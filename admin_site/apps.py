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
