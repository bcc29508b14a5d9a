from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from bonuses.views.statements import set_language
from core.views import health

urlpatterns = [
    path("health/", health, name="health"),
    # Django's set_language, remembering a member's choice for their statement mails.
    path("i18n/setlang/", set_language, name="set_language"),
    path("select2/", include("admin_site.select2_urls")),
    path("admin/", admin.site.urls),
    path("", include("bonuses.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
