from django.conf import settings
from django.utils.translation import gettext_lazy as _
from unfold.sites import UnfoldAdminSite


class BonusDeskAdminSite(UnfoldAdminSite):
    site_header = _("BonusDesk")
    site_title = _("BonusDesk")
    index_title = _("Dashboard")


def environment_callback(request):
    """The badge in the header: which database this admin writes to."""
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" in engine:
        return [_("PostgreSQL"), "success"]
    return [_("SQLite"), "warning" if not settings.DEBUG else "info"]
