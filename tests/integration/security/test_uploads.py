"""Reading uploads within limits: chunks, stop at the byte limit, count rows, refuse non-UTF-8."""

from __future__ import annotations

import io

import pytest

from medtandem.web.uploads import UploadError, UploadTooLarge, limits, read_upload


class _Counting(io.BytesIO):
    """Counts the bytes actually read, to show the reader stops at the limit."""

    read_total = 0

    def read(self, n: int = -1) -> bytes:  # type: ignore[override]
        chunk = super().read(n)
        self.read_total += len(chunk)
        return chunk


def test_reading_stops_just_past_the_byte_limit() -> None:
    upload = _Counting(b"a,b\n" * 10_000_000)  # 40 MB
    with pytest.raises(UploadTooLarge, match="trop volumineux"):
        read_upload(upload, max_bytes=100_000)
    assert upload.read_total < 100_000 + 2 * 64 * 1024


def test_the_declared_size_is_checked_before_reading() -> None:
    upload = _Counting(b"x")
    upload.size = 10**9  # type: ignore[attr-defined]
    with pytest.raises(UploadTooLarge):
        read_upload(upload, max_bytes=1000)
    assert upload.read_total == 0


def test_rows_are_counted() -> None:
    with pytest.raises(UploadTooLarge, match="3 lignes au plus"):
        read_upload(io.BytesIO(b"h\n1\n2\n3\n"), max_bytes=1000, max_rows=3)
    assert read_upload(io.BytesIO(b"h\n1\n2\n"), max_bytes=1000, max_rows=3) == "h\n1\n2\n"


def test_non_utf8_is_refused_with_the_position() -> None:
    with pytest.raises(UploadError, match="UTF-8.*position 4"):
        read_upload(io.BytesIO("abc\xe9def".encode("latin-1")), max_bytes=1000)
    with pytest.raises(UploadError, match="UTF-8.*fin de fichier"):
        read_upload(io.BytesIO(b"abc" + "é".encode()[:1]), max_bytes=1000)


def test_a_multibyte_character_split_across_chunks_is_read() -> None:
    text = "é" * 100_000
    assert read_upload(io.BytesIO(text.encode()), max_bytes=10**6) == text


def test_bom_dropped_newlines_universal_file_rewound() -> None:
    upload = io.BytesIO("\ufeffa\r\nb\rc\n".encode())
    assert read_upload(upload, max_bytes=1000) == "a\nb\nc\n"
    assert upload.tell() == 0


def test_empty_and_binary_files_are_refused() -> None:
    with pytest.raises(UploadError, match="vide"):
        read_upload(io.BytesIO(b""), max_bytes=10)
    with pytest.raises(UploadError, match="octets nuls"):
        read_upload(io.BytesIO(b"PK\x03\x04\x00\x00"), max_bytes=100)


def test_limits_per_kind_come_from_the_settings(settings) -> None:  # type: ignore[no-untyped-def]
    settings.MEDTANDEM_UPLOAD_LIMITS = {"quiz": (123, None)}
    assert limits("quiz").max_bytes == 123
    assert limits("enrolment").max_bytes == settings.MEDTANDEM_MAX_UPLOAD_BYTES
