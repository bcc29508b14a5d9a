"""django-select2's lookup view for staff only: its widgets serve the admin, and an
anonymous caller must never page through members (included as "select2/" in config.urls)."""

from django.core.exceptions import PermissionDenied
from django.urls import path
from django_select2.views import AutoResponseView


def staff_only(view):
    def wrapped(request, *args, **kwargs):
        if not (request.user.is_active and request.user.is_staff):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


app_name = "django_select2"

urlpatterns = [
    path("fields/auto.json", staff_only(AutoResponseView.as_view()), name="auto-json"),
]
