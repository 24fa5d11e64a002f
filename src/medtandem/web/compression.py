"""Response compression: Django's GZipMiddleware at a cheaper level, with a faster deflate.

Django compresses at level 6 with zlib; on our reading pages (about 175 kB, mostly the inline ECG
tracing) that cost 4.8 ms of CPU per page on the 2-core reference machine (loaded), level 4 2.0 ms,
level 1 1.2 ms for 32 kB instead of 21 kB (level 6) or 25 kB (level 4). The deflate is now Intel's
ISA-L (``isal``, python-isal of the pycompression project: maintained bindings, byte-compatible
gzip output that every browser reads): on a 177 kB reading page, measured on the quiet 2-core
machine, 0.15 ms at its level 1 against 0.73 ms for zlib's level 1, and 35.0 kB instead of 35.4 kB.
On loopback or a LAN the CPU counts more than a few kB, and static files are compressed ahead of
time anyway. Everything else is Django's: the ``Vary: Accept-Encoding`` header, weak
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
from isal import igzip

LEVEL = 1


def compress(data: bytes, max_random_bytes: int) -> bytes:
    """gzip at :data:`LEVEL` with a random-length file name in the header (as Django does).

    ISA-L writes the plain 10-byte gzip header (no flags), like zlib: the name goes after it."""
    compressed = memoryview(igzip.compress(data, compresslevel=LEVEL, mtime=0))
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
