"""Where a feed comes from: a local file or the pension fund's HTTP endpoint.

Both adapters have the same interface — ``open()`` gives a context manager yielding
``(name, seekable binary stream)`` — so the import does not care which one it got.
The HTTP adapter streams the body into a spooled temporary file (memory up to a
limit, disk beyond), because the import reads the stream twice (checksum, then rows).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import IO

from exchange.pension.models import FeedSource

CHUNK = 1024 * 1024
SPOOL_IN_MEMORY = 32 * 1024 * 1024


@dataclass(frozen=True)
class FileFeed:
    path: Path
    kind: FeedSource = FeedSource.FILE

    @contextlib.contextmanager
    def open(self) -> Iterator[tuple[str, IO[bytes]]]:
        with open(self.path, "rb") as stream:
            yield self.path.name, stream


@dataclass(frozen=True)
class HttpFeed:
    url: str
    timeout: float = 60.0
    token: str = ""
    kind: FeedSource = FeedSource.HTTP

    def _name(self, headers: Message) -> str:
        disposition = headers.get("Content-Disposition", "")
        if disposition:
            message = Message()
            message["content-disposition"] = disposition
            filename = message.get_param("filename", header="content-disposition")
            if isinstance(filename, str) and filename:
                return os.path.basename(filename)
        return os.path.basename(urllib.parse.urlparse(self.url).path) or "pension-feed"

    @contextlib.contextmanager
    def open(self) -> Iterator[tuple[str, IO[bytes]]]:
        if urllib.parse.urlparse(self.url).scheme not in ("http", "https"):
            raise ValueError(f"PENSION_FEED_URL must be an http(s) address, not {self.url!r}")
        request = urllib.request.Request(self.url, headers={"Accept": "text/csv, application/x-ndjson, */*"})  # noqa: S310
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        # URLError/HTTPError and timeouts propagate: the job layer treats them as transient.
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - scheme checked above
            name = self._name(response.headers)
            spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
            try:
                while chunk := response.read(CHUNK):
                    spool.write(chunk)
                spool.seek(0)
                yield name, spool  # type: ignore[misc]
            finally:
                spool.close()
