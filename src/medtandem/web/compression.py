"""Response compression: Django's GZipMiddleware at a cheaper level.

Django compresses at level 6; on our pages (170 kB, mostly the inline ECG tracing) that costs about
6 ms of CPU per page on the 2-core reference machine, level 4 about 1.7 ms for a result 14% larger
(31 kB instead of 27 kB). Everything else is Django's: the ``Vary: Accept-Encoding`` header, weak
ETags, streaming responses, and the "Heal the BREACH" mitigation (a random-length gzip file name,
Paulsen 2016) that Django applies since 4.2. BREACH: docs/operations.md ("Compression").
"""

from __future__ import annotations

import gzip
import secrets

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.gzip import GZipMiddleware as DjangoGZipMiddleware
from django.middleware.gzip import re_accepts_gzip
from django.utils.cache import patch_vary_headers

LEVEL = 4


def compress(data: bytes, max_random_bytes: int) -> bytes:
    """gzip at :data:`LEVEL` with a random-length file name in the header (as Django does)."""
    compressed = memoryview(gzip.compress(data, compresslevel=LEVEL, mtime=0))
    header = bytearray(compressed[:10])
    header[3] = gzip.FNAME
    return bytes(header) + b"a" * secrets.randbelow(max_random_bytes) + b"\x00" + compressed[10:]


class GZipMiddleware(DjangoGZipMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if (
            response.streaming
            or not isinstance(response, HttpResponse)  # a streaming or file response: Django's
            or response.has_header("Content-Encoding")
            or len(response.content) < 200
        ):
            return super().process_response(request, response)
        patch_vary_headers(response, ("Accept-Encoding",))
        if not re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
            return response
        compressed = compress(response.content, self.max_random_bytes)
        if len(compressed) >= len(response.content):
            return response
        response.content = compressed
        response.headers["Content-Length"] = str(len(compressed))
        etag = response.get("ETag")
        if etag and etag.startswith('"'):
            response.headers["ETag"] = "W/" + etag
        response.headers["Content-Encoding"] = "gzip"
        return response
