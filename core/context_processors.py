from django.conf import settings


def site(request):
    return {
        "CLUB_NAME": settings.CLUB_NAME,
        "YANDEX_METRIKA_ID": settings.YANDEX_METRIKA_ID,
    }
