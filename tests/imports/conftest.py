import pytest


@pytest.fixture(autouse=True)
def private_uploads(settings, tmp_path):
    """Uploaded files go to a folder of the test's own (the `imports` storage)."""
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
