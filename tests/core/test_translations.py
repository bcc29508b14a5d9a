from django.utils import translation
from django.utils.translation import gettext

from bonuses.models import Member


def test_russian_catalogue_is_shipped_compiled():
    with translation.override("ru"):
        assert gettext("Members") == "Участники"
        assert str(Member._meta.verbose_name_plural) == "участники"
    with translation.override("en"):
        assert gettext("Members") == "Members"
