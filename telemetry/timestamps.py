"""RFC 3339 timestamps with a zone, as rigs send them."""

from __future__ import annotations

import re
from datetime import datetime

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")


def parse_rfc3339(text: str) -> datetime:
    """Raises ValueError naming the text when it is not RFC 3339 with a zone."""
    if not RFC3339.match(text):
        raise ValueError(f"{text!r} is not an RFC 3339 time with a zone")
    value = text.replace("z", "Z")
    # datetime keeps microseconds; digits beyond are cut, not rounded, so equal inputs stay equal.
    match = re.search(r"\.(\d+)", value)
    if match and len(match.group(1)) > 6:
        value = value[: match.start(1) + 6] + value[match.end(1) :]
    return datetime.fromisoformat(value)


def format_rfc3339(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
