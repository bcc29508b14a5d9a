import factory
from django.contrib.auth import get_user_model

from bonuses import services
from bonuses.models import Member


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "password")


def enroll(sponsor: Member | None = None, **fields) -> Member:
    """A member enrolled through the service, as every real member is."""
    n = next(_counter)
    fields.setdefault("first_name", f"Member{n}")
    fields.setdefault("last_name", "Test")
    return services.member_enroll(sponsor=sponsor, **fields)


def chain(length: int, sponsor: Member | None = None) -> list[Member]:
    """`length` members, each sponsoring the next."""
    members = []
    for _ in range(length):
        sponsor = enroll(sponsor)
        members.append(sponsor)
    return members


def _numbers():
    n = 0
    while True:
        n += 1
        yield n


_counter = _numbers()
