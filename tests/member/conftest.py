import pytest

from tests.bonuses.engine_helpers import NOW


@pytest.fixture(autouse=True)
def _june(time_machine):
    # Mid-June 2026 in the club's time zone, as in the engine tests.
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def member_client(client, django_user_model):
    """log_in(member) -> the test client logged in as that member (a login is made)."""

    def log_in(member):
        if member.user is None:
            user = django_user_model.objects.create_user(
                f"m{member.pk}", f"m{member.pk}@example.test", "pw-long-enough-1"
            )
            member.user = user
            member.save(update_fields=["user"])
        client.force_login(member.user)
        return client

    return log_in
