"""Every upload is bounded before it is stored: the import of spreadsheets is the only page
that takes files, and IMPORT_MAX_BYTES (docs/deploy.md) is its limit.

The limit must be in place before anything reads the request's body, and middleware
does read it (the CSRF check, core.middleware's NUL guard): so UploadLimitMiddleware,
near the top of MIDDLEWARE, puts SizeLimitedUpload first among the request's upload
handlers, and the page that takes the file asks it afterwards whether it dropped one.
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile

# Multipart framing and the other form fields around the file.
FORM_OVERHEAD = 64 * 1024


class SizeLimitedUpload(FileUploadHandler):
    """Drops an uploaded file larger than IMPORT_MAX_BYTES while it arrives: by the
    request's declared length before a byte is kept, else as soon as it passes the
    limit. The rest of the body is read and thrown away; `too_large` keeps the size."""

    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0
        self.too_large = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > settings.IMPORT_MAX_BYTES + FORM_OVERHEAD:
            self.too_large = content_length

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        if self.too_large:
            raise SkipFile

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.IMPORT_MAX_BYTES:
            self.too_large = self.received
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None


def dropped_upload_size(request) -> int:
    """The size of a file this request's upload was too large to keep (0: none)."""
    for handler in request.upload_handlers:
        if isinstance(handler, SizeLimitedUpload):
            return handler.too_large
    return 0


class UploadLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.content_type == "multipart/form-data":
            request.upload_handlers.insert(0, SizeLimitedUpload(request))
        return self.get_response(request)
