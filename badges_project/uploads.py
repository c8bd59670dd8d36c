"""Uploads read under a cap: images (the API's multipart route, the browser UI's upload page),
held in memory; import files (the UI's import page), streamed to a temporary file on disk."""

import io

from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import (
    FileUploadHandler,
    StopUpload,
    TemporaryFileUploadHandler,
)
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict

from badges.image_checks import MAX_IMAGE_BYTES

# Room for the multipart framing and the name around a file of the largest size taken.
UPLOAD_OVERHEAD = 64 * 1024


def declared_too_large(content_length: int) -> bool:
    """A body declared larger than an image and its form: refused unread."""
    return content_length > MAX_IMAGE_BYTES + UPLOAD_OVERHEAD


class CappedImageUpload(FileUploadHandler):
    """Keeps an uploaded file in memory up to the image cap. A larger file stops the parse:
    the rest of the body is read and thrown away, never held. A body declared larger than an
    image and its form is not parsed at all."""

    too_large = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if declared_too_large(content_length):
            self.too_large = True
            return QueryDict(), MultiValueDict()  # the parse's result: nothing
        return None

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.held = io.BytesIO()

    def receive_data_chunk(self, raw_data, start):
        if self.held.tell() + len(raw_data) > MAX_IMAGE_BYTES:
            self._stop()
        self.held.write(raw_data)

    def file_complete(self, file_size):
        self.held.seek(0)
        return InMemoryUploadedFile(
            self.held, self.field_name, self.file_name, self.content_type, file_size, None
        )

    def _stop(self):
        self.too_large = True
        raise StopUpload(connection_reset=False)


def declared_larger(content_length: int, max_bytes: int) -> bool:
    """A body declared larger than a file of ``max_bytes`` and its form: refused unread."""
    return content_length > max_bytes + UPLOAD_OVERHEAD


class CappedFileUpload(TemporaryFileUploadHandler):
    """Streams an uploaded file to a temporary file on disk, up to ``max_bytes``: a larger
    file stops the parse (its temporary file is removed, the rest of the body read and thrown
    away). A body declared larger than the cap and its form is not parsed at all. Either way
    ``too_large`` is set and the form arrives without the file."""

    too_large = False

    def __init__(self, request, max_bytes: int):
        super().__init__(request)
        self.max_bytes = max_bytes

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if declared_larger(content_length, self.max_bytes):
            self.too_large = True
            return QueryDict(), MultiValueDict()
        return None

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.max_bytes:
            self.too_large = True
            raise StopUpload(connection_reset=False)
        return super().receive_data_chunk(raw_data, start)
