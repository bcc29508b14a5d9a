import pytest
from django.db import connection
from django.utils import translation


@pytest.fixture
def admin_user(db, django_user_model):
    return django_user_model.objects.create_superuser("boss", "boss@example.test", "pw")


@pytest.fixture
def on_postgres(db):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is proved on PostgreSQL (set DATABASE_URL)")


@pytest.fixture(autouse=True)
def english_by_default():
    """A request in Russian leaves its language active in the thread afterwards; every
    test starts from the English source strings again."""
    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture(autouse=True)
def private_uploads(settings, tmp_path):
    """Uploaded import files go to a folder of the test's own (the `imports` storage)."""
    folder = tmp_path / "private"
    settings.PRIVATE_MEDIA_ROOT = folder
    settings.STORAGES = {
        **settings.STORAGES,
        "imports": {
            "BACKEND": "core.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": folder / "imports"},
        },
    }
    return folder / "imports"
