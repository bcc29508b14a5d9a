"""Private file storage: files that hold members' personal data (uploaded spreadsheets)
and that no URL may ever serve.

`STORAGES["imports"]` is a PrivateFileSystemStorage under PRIVATE_MEDIA_ROOT, a folder
outside MEDIA_ROOT: the development server's `/media/` route (and any web server told to
serve MEDIA_ROOT) cannot reach it, and `url()` refuses instead of guessing one.
"""

from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty

IMPORTS = "imports"


class PrivateFileSystemStorage(FileSystemStorage):
    """A FileSystemStorage without URLs: files are read by the code, never downloaded."""

    def url(self, name):
        raise ValueError("private files have no URL")


class _ImportsStorage(LazyObject):
    # Resolved on first use, like Django's default_storage, so that tests (and settings
    # read after import) decide where the files go.
    def _setup(self):
        self._wrapped = storages[IMPORTS]


imports_storage = _ImportsStorage()


def private_imports():
    """The storage of uploaded import files (a callable, so migrations name it)."""
    return imports_storage


@receiver(setting_changed)
def _forget_storage(*, setting, **kwargs):
    if setting in ("STORAGES", "PRIVATE_MEDIA_ROOT"):
        imports_storage._wrapped = empty
