"""Pile ids in paths may hold any printable character, `/` included (contract §3).

Servers decode `%2F` before routing, which would make `/piles/A%2FB/profile` the path
`/piles/A/B/profile` and let an id ending in `/profile` collide with the profile route. So
for paths under the pile prefixes, `PileIdPathMiddleware` rebuilds `path` from `raw_path`
keeping `%2F` and `%25` encoded (every other escape decoded); the `PileId` dependency then
undoes those two. Route templates use a plain `{pile}` segment.
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import unquote

from fastapi import Depends, Path
from starlette.types import ASGIApp, Receive, Scope, Send

PREFIXES = ("/api/v1/piles/",)
_KEEP = re.compile(r"(%2[fF5])")
_RESTORE = re.compile(r"%(2[fF5])")


def routing_path(raw_path: bytes) -> str:
    """Decode every escape except %2F and %25, which stay as they are (upper case)."""
    text = raw_path.decode("latin-1")
    parts = _KEEP.split(text)
    return "".join(
        part.upper() if i % 2 else unquote(part, encoding="utf-8", errors="replace")
        for i, part in enumerate(parts)
    )


def restore(segment: str) -> str:
    return _RESTORE.sub(lambda m: "/" if m.group(1).upper() == "2F" else "%", segment)


class PileIdPathMiddleware:
    def __init__(self, app: ASGIApp, prefixes: tuple[str, ...] = PREFIXES) -> None:
        self.app = app
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = scope.get("raw_path")
        if scope["type"] == "http" and raw and scope["path"].startswith(self.prefixes):
            scope = dict(scope)
            scope["path"] = routing_path(raw.split(b"?", 1)[0])
        await self.app(scope, receive, send)


def _pile_id(
    pile: Annotated[
        str,
        Path(description="Pile id, percent-encoded (any printable characters, `/` included)"),
    ],
) -> str:
    return restore(pile)


PileId = Annotated[str, Depends(_pile_id)]
