"""Tiny real media files, generated (no binaries in the repo): a PNG, a PDF, a WAV tone."""

from __future__ import annotations

import io
import math
import struct
import wave
import zlib


def png(width: int = 4, height: int = 4, rgb: tuple[int, int, int] = (46, 139, 87)) -> bytes:
    """A solid-colour PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def pdf(text: str = "Hello from Tether") -> bytes:
    """A one-page PDF that shows `text` (ASCII)."""
    stream = f"BT /F1 18 Tf 36 96 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def wav(seconds: float = 1.0, frequency: float = 432.0, rate: int = 8000) -> bytes:
    """A mono 16-bit sine tone that fades in and out."""
    frames = int(seconds * rate)
    samples = bytearray()
    for index in range(frames):
        fade = min(1.0, index / (rate * 0.05), (frames - index) / (rate * 0.05))
        value = int(12000 * fade * math.sin(2 * math.pi * frequency * index / rate))
        samples += struct.pack("<h", value)
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(bytes(samples))
    return out.getvalue()
