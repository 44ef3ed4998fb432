"""Key files and small state files, written so a crash never leaves a half-written one.

* :func:`load_or_create_key` creates the key with ``O_CREAT | O_EXCL`` and mode 0600, so two
  processes starting at once cannot both write a key, and no one reads a file that is still
  being written (the loser of the race waits for the winner's complete file).
* :func:`write_json_atomic` writes a temporary file, fsyncs it, renames it over the target
  and fsyncs the directory.
"""

from __future__ import annotations

import json
import os
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

KEY_MODE = 0o600


class KeyFileError(RuntimeError):
    """A key or state file is unreadable, malformed or too widely readable."""


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def load_or_create_key(
    path: Path, generate: Callable[[], str], parse: Callable[[str], object]
) -> tuple[str, bool]:
    """Return ``(key string, created)``; the key is generated on first use.

    ``generate`` returns a new signer key string; ``parse`` validates one (raising on error).
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, KEY_MODE)
    except FileExistsError:
        return _read_key(path, parse), False
    key = generate()
    try:
        os.write(fd, (key + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    _fsync_dir(path.parent)
    return key, True


def _read_key(path: Path, parse: Callable[[str], object]) -> str:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise KeyFileError(f"{path}: permissions {mode:o} are too open; run chmod 600 {path}")
    text = ""
    for _ in range(50):  # another process may be between O_EXCL create and write
        text = path.read_text(encoding="ascii").strip()
        if text:
            break
        time.sleep(0.1)
    try:
        parse(text)
    except (ValueError, UnicodeError) as exc:
        raise KeyFileError(f"{path}: not a valid signer key ({type(exc).__name__})") from None
    return text


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, KEY_MODE)
    try:
        os.write(fd, (json.dumps(data, sort_keys=True, indent=1) + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def read_json(path: Path) -> dict[str, Any] | None:
    """Return the JSON object in ``path``, ``None`` if the file does not exist."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise KeyFileError(f"{path}: not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise KeyFileError(f"{path}: expected a JSON object")
    return data
