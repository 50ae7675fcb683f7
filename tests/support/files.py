"""Files to send in tests, made on the spot with Pillow: images good, damaged and hostile,
and what the storage holds afterwards."""

from __future__ import annotations

import io
import struct
import wave
import zlib
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

#: EXIF tags (Pillow's ``ExifTags.Base``) and the GPS IFD pointer.
ORIENTATION, MAKE, GPS_IFD = 0x0112, 0x010F, 0x8825
#: Where the photo was taken, as a phone writes it: 48°51'29" N, 2°17'40" E.
GPS = {1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)}
CAMERA = "SpyCam 3000"

HTML = b"<!doctype html><script>alert(document.cookie)</script>"
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script></svg>"
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def encoded(image: Image.Image, image_format: str, **options) -> bytes:
    """``image`` written in ``image_format``."""
    out = io.BytesIO()
    image.save(out, image_format, **options)
    return out.getvalue()


def png(width: int = 800, height: int = 600) -> bytes:
    """A PNG of noise (so that it does not compress to nothing)."""
    return encoded(Image.effect_noise((width, height), 60).convert("RGB"), "PNG")


def photo_with_gps(width: int = 600, height: int = 300, orientation: int = 6) -> bytes:
    """A JPEG as a phone takes it: the camera, where it was, and which way is up (6: the
    pixels must be turned 90° clockwise to stand upright)."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[MAKE] = CAMERA
    exif[GPS_IFD] = GPS
    image = Image.new("RGB", (width, height), "steelblue")
    return encoded(image, "JPEG", exif=exif, comment=b"taken at home")


def animated_gif(frames: int = 3) -> bytes:
    colours = ["red", "green", "blue", "yellow"]
    images = [Image.new("RGB", (60, 40), colours[n % len(colours)]) for n in range(frames)]
    return encoded(images[0], "GIF", save_all=True, append_images=images[1:], duration=80, loop=0)


def truncated_png() -> bytes:
    """A PNG cut off halfway through its pixel data."""
    whole = png(300, 300)
    return whole[: len(whole) // 2]


def bomb_png(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` by ``height`` pixels: a decompression
    bomb's shape (decoding it would take that many pixels' worth of memory)."""
    data = bytearray(encoded(Image.new("1", (1, 1)), "PNG"))
    header = struct.pack(">II", width, height) + bytes(data[24:29])  # IHDR: sizes, then depth…
    data[16:29] = header
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + header))
    return bytes(data)


def huge_png(width: int, height: int) -> bytes:
    """A whole, valid PNG of ``width`` by ``height`` pixels in a few kilobytes: one bit a
    pixel, all black, compresses to almost nothing (decoding it would not)."""
    return encoded(Image.new("1", (width, height)), "PNG")


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    """What Django hands a view for a file field (the browser's content type is a claim)."""
    return SimpleUploadedFile(name, data, content_type=content_type)


def stored_files(root: Path) -> list[Path]:
    """Every file under the storage's folder."""
    return sorted(path for path in Path(root).rglob("*") if path.is_file())


def opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def read(field) -> bytes:
    """What the storage holds for a file field (an attachment, a thumbnail, an avatar)."""
    with field.storage.open(field.name, "rb") as stored:
        return stored.read()


# --- videos and sounds: the first bytes of each container (nothing here plays) -------------

MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00\x00\x00\x08free" + b"\x00" * 64
M4A = b"\x00\x00\x00\x18ftypM4A \x00\x00\x02\x00M4A isom" + b"\x00" * 64
WEBM = (
    b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08"
    b"\x42\x82\x84webm\x42\x87\x81\x04\x42\x85\x81\x02" + b"\x00" * 64
)
OGG = b"OggS\x00\x02" + b"\x00" * 22 + b"\x01\x1e\x01vorbis" + b"\x00" * 64
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + b"\x00" * 64


def wav(frames: int = 800) -> bytes:
    """A short silent mono 8 kHz WAV."""
    out = io.BytesIO()
    with wave.open(out, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(8000)
        sound.writeframes(b"\x00\x00" * frames)
    return out.getvalue()
