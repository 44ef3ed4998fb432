"""Rule sets per site and pile type, from a rules file (TOML or JSON) and the ``alert_rules``
table, validated on load, with a stable digest of the effective set.

File format (TOML shown; JSON has the same shape)::

    version = 1
    [rules.bin_cement]                 # every site, every pile type
    bin_warning_fraction = 0.9
    escalate_after_min = 10
    [common]                           # limits shared by several checks
    min_violation_s = 5
    [pile_types.three_axis.rules.tilt] # a pile type: a rig kind or a process code
    max_tilt_deg = 0.25
    [sites.K12.rules.rig_silent]       # one site
    after_min = 3
    [sites.K12.pile_types.4S2P.rules.pressure]
    enabled = false

``alert_rules`` rows ``(site_id, pile_type, rule, config)`` hold the same settings, one rule
(or ``common``) per row, ``'*'`` meaning any site or any pile type.

Precedence, lowest first: built-in defaults (``analytics.limits.THREE_AXIS`` for pile type
``three_axis``, else ``SINGLE_DOUBLE_AXIS``); the file's top level; its ``pile_types`` (in
the order the caller names the pile's types); its site section; the site's pile types;
then the database rows ``(*,*)``, ``(*,type)``, ``(site,*)``, ``(site,type)``.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import psycopg
import rfc8785

from alerts.rules import (
    COMMON,
    COMMON_LIMIT_FIELDS,
    LIMIT_OWNER,
    RULES,
    ParamValue,
    RuleConfig,
    RuleIssue,
    RulesError,
    check_setting,
    default_rule,
    default_settings,
    rule_config,
)
from analytics.limits import SINGLE_DOUBLE_AXIS, THREE_AXIS, AcceptanceLimits, LimitsError

ANY = "*"
BASE_LIMITS: dict[str, AcceptanceLimits] = {"three_axis": THREE_AXIS}
Layer = dict[str, dict[str, ParamValue]]  # rule (or "common") → field → value


@dataclass(frozen=True, slots=True)
class RuleRow:
    site_id: str
    pile_type: str
    rule: str
    config: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The effective rules for one site and pile type."""

    rules: Mapping[str, RuleConfig]
    common: Mapping[str, ParamValue]
    limits: AcceptanceLimits
    digest: str

    def rule(self, name: str) -> RuleConfig:
        found = self.rules.get(name)
        return found if found is not None else default_rule(name)

    def canonical(self) -> dict[str, Any]:
        return canonical_rules(self.rules, self.common)


def canonical_rules(
    rules: Mapping[str, RuleConfig], common: Mapping[str, ParamValue]
) -> dict[str, Any]:
    return {
        "version": 1,
        "rules": {name: rules[name].to_dict() for name in sorted(rules)},
        "common": dict(common),
    }


def rules_digest(canonical: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the RFC 8785 canonical JSON of a rule set."""
    return hashlib.sha256(rfc8785.dumps(dict(canonical))).hexdigest()


@dataclass(frozen=True, slots=True)
class _Section:
    base: Layer
    pile_types: dict[str, Layer]


def _layer(data: object, source: str, issues: list[RuleIssue], *, rules_key: bool) -> Layer:
    """``{"rules": {rule: {field: value}}, "common": {...}}`` (rules_key) or a single rule
    table; each value checked."""
    out: Layer = {}
    if not isinstance(data, Mapping):
        issues.append(RuleIssue(source, "", "", data, "must be a table/object"))
        return out
    tables: list[tuple[str, object]] = []
    if rules_key:
        for key, value in data.items():
            if key == "rules":
                if not isinstance(value, Mapping):
                    issues.append(RuleIssue(source, "", "rules", value, "must be a table"))
                    continue
                tables.extend(value.items())
            elif key == COMMON:
                tables.append((COMMON, value))
    else:
        tables.extend(data.items())
    for rule, table in tables:
        if not isinstance(table, Mapping):
            issues.append(RuleIssue(source, str(rule), "", table, "must be a table/object"))
            continue
        settings = out.setdefault(str(rule), {})
        for name, value in table.items():
            try:
                check_setting(source, str(rule), str(name), value)
            except RuleIssue as issue:
                issues.append(issue)
                continue
            settings[str(name)] = value
    return out


def _section(
    data: Mapping[str, Any], source: str, issues: list[RuleIssue], allowed: set[str]
) -> _Section:
    for key in data:
        if key not in allowed:
            issues.append(RuleIssue(source, "", str(key), data[key], f"unknown key; {allowed}"))
    base = _layer(data, source, issues, rules_key=True)
    pile_types: dict[str, Layer] = {}
    raw = data.get("pile_types", {})
    if not isinstance(raw, Mapping):
        issues.append(RuleIssue(source, "", "pile_types", raw, "must be a table"))
        raw = {}
    for pt, body in raw.items():
        if isinstance(body, Mapping):
            extra = set(body) - {"rules", COMMON}
            for key in sorted(extra):
                issues.append(
                    RuleIssue(f"{source} pile_types.{pt}", "", key, body[key], "unknown key")
                )
        pile_types[str(pt)] = _layer(body, f"{source} pile_types.{pt}", issues, rules_key=True)
    return _Section(base, pile_types)


class Rulebook:
    """Rule configuration from a file and/or the database; ``for_pile`` gives effective sets."""

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        rows: Sequence[RuleRow] = (),
        *,
        source: str = "rules",
    ) -> None:
        issues: list[RuleIssue] = []
        data = data or {}
        version = data.get("version", 1)
        if version != 1:
            issues.append(RuleIssue(source, "", "version", version, "only version 1 is known"))
        self._top = _section(
            data, source, issues, {"version", "rules", COMMON, "pile_types", "sites"}
        )
        self._sites: dict[str, _Section] = {}
        sites = data.get("sites", {})
        if not isinstance(sites, Mapping):
            issues.append(RuleIssue(source, "", "sites", sites, "must be a table"))
            sites = {}
        for site, body in sites.items():
            where = f"{source} sites.{site}"
            if not isinstance(body, Mapping):
                issues.append(RuleIssue(where, "", "", body, "must be a table"))
                continue
            self._sites[str(site)] = _section(body, where, issues, {"rules", COMMON, "pile_types"})
        self._rows: dict[tuple[str, str], Layer] = {}
        for row in rows:
            where = f"alert_rules({row.site_id}, {row.pile_type})"
            layer = _layer({row.rule: row.config}, where, issues, rules_key=False)
            self._rows.setdefault((row.site_id, row.pile_type), {}).update(layer)
        self._data = json.loads(json.dumps(data, default=str))
        self._row_list = [
            {"site_id": r.site_id, "pile_type": r.pile_type, "rule": r.rule, "config": r.config}
            for r in rows
        ]
        self._cache: dict[tuple[str, tuple[str, ...]], RuleSet] = {}
        if issues:
            raise RulesError(issues)
        self._check_combinations()

    @property
    def digest(self) -> str:
        """Digest of the whole configuration (file and rows), not of one effective set."""
        rows = sorted(self._row_list, key=lambda r: (r["site_id"], r["pile_type"], r["rule"]))
        return rules_digest({"file": self._data, "rows": rows})

    def _check_combinations(self) -> None:
        types = set(self._top.pile_types) | {
            pt for s in self._sites.values() for pt in s.pile_types
        }
        types |= {pt for _, pt in self._rows if pt != ANY}
        sites = set(self._sites) | {s for s, _ in self._rows if s != ANY}
        issues: list[RuleIssue] = []
        for site in [ANY, *sorted(sites)]:
            for pts in [(), *((pt,) for pt in sorted(types))]:
                try:
                    self.for_pile(site, pts)
                except RulesError as exc:
                    issues.extend(exc.issues)
        if issues:
            raise RulesError(issues)

    def layers(self, site: str, pile_types: Sequence[str]) -> Iterable[Layer]:
        yield self._top.base
        for pt in pile_types:
            yield self._top.pile_types.get(pt, {})
        section = self._sites.get(site)
        if section is not None:
            yield section.base
            for pt in pile_types:
                yield section.pile_types.get(pt, {})
        for key in [(ANY, ANY), *((ANY, pt) for pt in pile_types), (site, ANY)]:
            yield self._rows.get(key, {})
        for pt in pile_types:
            yield self._rows.get((site, pt), {})

    def for_pile(self, site: str, pile_types: Sequence[str] = ()) -> RuleSet:
        """Effective rules for a pile of ``site`` whose types (rig kind, process code…) are
        ``pile_types``, later ones taking precedence."""
        key = (site, tuple(pile_types))
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        base = SINGLE_DOUBLE_AXIS
        for pt in pile_types:
            base = BASE_LIMITS.get(pt, base)
        settings = {name: default_settings(name, base) for name in RULES}
        common: dict[str, ParamValue] = {f: getattr(base, f) for f in COMMON_LIMIT_FIELDS}
        for layer in self.layers(site, pile_types):
            for rule, values in layer.items():
                (common if rule == COMMON else settings[rule]).update(values)
        limit_values = {
            f.name: (common if LIMIT_OWNER[f.name] == COMMON else settings[LIMIT_OWNER[f.name]])[
                f.name
            ]
            for f in fields(AcceptanceLimits)
        }
        try:
            limits = AcceptanceLimits(**limit_values)  # type: ignore[arg-type]
        except LimitsError as exc:
            first = exc.name.split(",")[0].strip()
            where = f"effective rules for site {site!r}, pile types {list(pile_types)}"
            raise RulesError(
                [RuleIssue(where, LIMIT_OWNER.get(first, ""), exc.name, exc.value, str(exc))]
            ) from None
        rules = {name: rule_config(name, s) for name, s in settings.items()}
        result = RuleSet(rules, common, limits, rules_digest(canonical_rules(rules, common)))
        self._cache[key] = result
        return result


def read_rules_file(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    try:
        if p.suffix.lower() == ".toml":
            return tomllib.loads(text)
        if p.suffix.lower() == ".json":
            data = json.loads(text)
            if not isinstance(data, dict):
                raise RulesError([RuleIssue(str(p), "", "", type(data).__name__, "not an object")])
            return data
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise RulesError([RuleIssue(str(p), "", "", None, f"cannot parse: {exc}")]) from None
    raise RulesError([RuleIssue(str(p), "", "", p.suffix, "rules file must be .toml or .json")])


def load_rule_rows(conn: psycopg.Connection[Any]) -> list[RuleRow]:
    rows = conn.execute(
        "SELECT site_id, pile_type, rule, config FROM alert_rules ORDER BY site_id, pile_type, rule"
    ).fetchall()
    return [RuleRow(r["site_id"], r["pile_type"], r["rule"], r["config"]) for r in rows]


def load_rulebook(conn: psycopg.Connection[Any] | None, path: str | Path | None = None) -> Rulebook:
    """The rulebook from a rules file (optional) and the ``alert_rules`` table (when conn)."""
    data = read_rules_file(path) if path is not None else None
    rows = load_rule_rows(conn) if conn is not None else []
    return Rulebook(data, rows, source=str(path) if path is not None else "rules")


def save_rule(
    conn: psycopg.Connection[Any],
    rule: str,
    config: Mapping[str, Any],
    *,
    site_id: str = ANY,
    pile_type: str = ANY,
) -> None:
    """Validate and store one ``alert_rules`` row (replacing the previous one)."""
    others = [
        r
        for r in load_rule_rows(conn)
        if (r.site_id, r.pile_type, r.rule) != (site_id, pile_type, rule)
    ]
    Rulebook(None, [*others, RuleRow(site_id, pile_type, rule, dict(config))])
    conn.execute(
        "INSERT INTO alert_rules (site_id, pile_type, rule, config) VALUES (%s, %s, %s, %s)"
        " ON CONFLICT (site_id, pile_type, rule) DO UPDATE SET config = excluded.config,"
        " updated_at = now()",
        (site_id, pile_type, rule, json.dumps(dict(config))),
    )
