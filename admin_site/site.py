from django.conf import settings
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from unfold.forms import AuthenticationForm
from unfold.sites import UnfoldAdminSite

from core.forms import BoundedUsernameMixin


class AdminLoginForm(BoundedUsernameMixin, AuthenticationForm):
    pass


class BonusDeskAdminSite(UnfoldAdminSite):
    login_form = AdminLoginForm
    site_header = _("BonusDesk")
    site_title = _("BonusDesk")
    index_title = _("Dashboard")

    def logout(self, request, extra_context=None):
        """Back to the staff's own login page (Django's would follow LOGOUT_REDIRECT_URL
        to the members' one)."""
        from django.contrib.auth.views import LogoutView

        request.current_app = self.name
        login = reverse("admin:login", current_app=self.name)
        return LogoutView.as_view(next_page=login)(request)

    def autocomplete_view(self, request):
        from .paging import ProbedAutocompleteJsonView

        return ProbedAutocompleteJsonView.as_view(admin_site=self)(request)

    def get_urls(self):
        from . import closes, exports, imports

        # Before the admin's own patterns: its last one catches every other URL.
        pages = [
            path(
                "bonuses/month-close/",
                self.admin_view(closes.month_close_view),
                name="month_close",
            ),
            path(
                "bonuses/month-close/status/<str:task_id>/",
                self.admin_view(closes.month_close_status),
                name="month_close_status",
            ),
            path("export/", self.admin_view(exports.export_view), name="export"),
            path("import/", self.admin_view(imports.import_start), name="import_start"),
            path("import/<int:job_id>/", self.admin_view(imports.import_job), name="import_job"),
            path(
                "import/<int:job_id>/status/",
                self.admin_view(imports.import_job_status),
                name="import_job_status",
            ),
        ]
        return pages + super().get_urls()


def environment_callback(request):
    """The badge in the header: which database this admin reads and writes."""
    database = settings.DATABASES["default"]
    name = str(database.get("NAME", "")).rsplit("/", 1)[-1]
    if name.startswith("file:"):  # SQLite in memory (tests)
        name = _("in memory")
    if "postgresql" in database["ENGINE"]:
        return [_("PostgreSQL · %(name)s") % {"name": name}, "success"]
    return [_("SQLite · %(name)s") % {"name": name}, "info" if settings.DEBUG else "warning"]
