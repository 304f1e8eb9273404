"""Illustrations uploaded by editors: checked to be a raster image, resized to at most 1600 px on their longer side
and stored as WebP (which also drops EXIF metadata such as a camera's location)."""

from __future__ import annotations

import io
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, UnidentifiedImageError

MAX_SIDE = 1600
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a larger image is refused rather than decoded (decompression bombs)
ACCEPTED_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}


def prepare(upload) -> ContentFile:
    """The upload as a WebP no larger than MAX_SIDE, or a ValidationError saying what is wrong with it."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            f"The file is {upload.size / 1e6:.1f} MB; the limit is {MAX_UPLOAD_BYTES // 1_000_000} MB."
        )
    try:
        with Image.open(upload) as probe:
            kind = probe.format
            probe.verify()
        if kind not in ACCEPTED_FORMATS:
            raise ValidationError(f"{kind} images are not accepted: upload a PNG, JPEG, WebP or GIF.")
        upload.seek(0)
        with Image.open(upload) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError(
                    f"The image is {image.width} × {image.height} pixels; that is too large to process."
                )
            image.load()
            image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
            output = io.BytesIO()
            image.save(output, format="WEBP", quality=85, method=4)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as error:
        raise ValidationError(
            "This file is not an image we can read: upload a PNG, JPEG, WebP or GIF."
        ) from error
    return ContentFile(output.getvalue(), name=f"{uuid.uuid4().hex}.webp")
