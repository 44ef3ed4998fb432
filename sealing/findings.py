"""What a verifier found: which check failed, on what, and the values involved."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    #: The check that failed, e.g. ``leaf-hash``, ``checkpoint-root``, ``inclusion``.
    check: str
    #: What it failed on, e.g. ``leaf 3``, ``checkpoint 12``, ``bundle``.
    subject: str
    message: str
    expected: str | None = None
    calculated: str | None = None

    def __str__(self) -> str:
        text = f"{self.check}: {self.subject}: {self.message}"
        if self.expected is not None or self.calculated is not None:
            text += f" (expected {self.expected}, calculated {self.calculated})"
        return text


class VerificationFailed(Exception):
    def __init__(self, finding: Finding) -> None:
        self.finding = finding
        super().__init__(str(finding))
