"""A check's result: ``Finding`` (rule, severity, depth interval, value, limit, message).

Severities: ``critical`` and ``warning`` fail a final pile, ``info`` does not.
"""

from __future__ import annotations

from dataclasses import dataclass

SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: str
    depth_top_m: float | None
    depth_bottom_m: float | None
    value: float | None
    limit: float | None
    message: str

    @property
    def fails(self) -> bool:
        return self.severity != "info"

    def to_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__slots__}


def interval_text(top: float, bottom: float) -> str:
    return f"{top:.1f}–{bottom:.1f} m"


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(
        findings,
        key=lambda f: (
            SEVERITY_ORDER.get(f.severity, 3),
            f.depth_top_m if f.depth_top_m is not None else -1.0,
        ),
    )
