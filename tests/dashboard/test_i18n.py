"""Every visible string exists in Chinese and English, and no page writes one of its own."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from dashboard.i18n import LANGS, TEXTS

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard"
# Streamlit calls whose first argument (or these keywords) is shown to the user.
VISIBLE_CALLS = {
    "title",
    "header",
    "subheader",
    "markdown",
    "caption",
    "write",
    "text",
    "info",
    "error",
    "warning",
    "success",
    "exception",
    "toast",
    "button",
    "form_submit_button",
    "download_button",
    "link_button",
    "page_link",
    "metric",
    "selectbox",
    "multiselect",
    "radio",
    "checkbox",
    "toggle",
    "text_input",
    "text_area",
    "number_input",
    "date_input",
    "time_input",
    "slider",
    "select_slider",
    "segmented_control",
    "pills",
    "expander",
    "tabs",
    "popover",
    "spinner",
    "status",
    "Page",
    "set_page_config",
}
VISIBLE_KEYWORDS = {"label", "title", "help", "placeholder", "page_title", "caption"}
WORDS = re.compile(r"[A-Za-z\u4e00-\u9fff]")


def _visible_literal(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value if WORDS.search(node.value) else None
    if isinstance(node, ast.JoinedStr):
        for part in node.values:
            if isinstance(part, ast.Constant) and WORDS.search(str(part.value)):
                return str(part.value)
    return None


def hard_coded_strings(source: str, filename: str = "<page>") -> list[str]:
    """``file:line: text`` for every visible literal passed to a Streamlit call."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name not in VISIBLE_CALLS:
            continue
        candidates = list(node.args[:1]) + [
            k.value for k in node.keywords if k.arg in VISIBLE_KEYWORDS
        ]
        if name == "Page":  # st.Page(path, title=…): the path is not visible
            candidates = [k.value for k in node.keywords if k.arg in VISIBLE_KEYWORDS]
        for arg in candidates:
            text = _visible_literal(arg)
            if text is not None:
                found.append(f"{filename}:{node.lineno}: {text!r}")
    return found


def _sources() -> list[Path]:
    return sorted(p for p in DASHBOARD.rglob("*.py") if p.name != "i18n.py")


def test_every_key_has_both_languages() -> None:
    assert LANGS == ("zh", "en")
    for key, pair in TEXTS.items():
        assert len(pair) == 2, key
        zh, en = pair
        assert zh.strip() and en.strip(), key
        fields_zh = {f for _, f, _, _ in string.Formatter().parse(zh) if f}
        fields_en = {f for _, f, _, _ in string.Formatter().parse(en) if f}
        assert fields_zh == fields_en, f"{key}: {fields_zh} vs {fields_en}"


def test_chinese_is_chinese() -> None:
    """Chinese texts carry Chinese (except names and symbols the same in both)."""
    same_ok = {"common.none", "lang.zh", "lang.en", "app.title"}
    for key, (zh, en) in TEXTS.items():
        if key in same_ok or zh == en:
            continue
        assert re.search(r"[\u4e00-\u9fff]", zh), f"{key}: {zh!r} has no Chinese"


def test_every_used_key_exists() -> None:
    prefixes: set[str] = set()
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "t"):
                continue
            if not node.args:
                continue
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                assert arg.value in TEXTS, f"{path.name}:{node.lineno}: {arg.value!r}"
            elif isinstance(arg, ast.JoinedStr) and isinstance(arg.values[0], ast.Constant):
                prefixes.add(str(arg.values[0].value))
    for prefix in prefixes:  # t(f"field.{channel}") and the like
        assert any(k.startswith(prefix) for k in TEXTS), prefix


def test_no_page_has_hard_coded_visible_strings() -> None:
    found: list[str] = []
    for path in _sources():
        found += hard_coded_strings(path.read_text(encoding="utf-8"), path.name)
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    "snippet",
    [
        'st.header("Rigs")',
        "st.button('开始')",
        'st.metric(label=f"Depth {d}", value=1)',
        'st.sidebar.caption("hello")',
        'st.Page("views/x.py", title="Overview")',
    ],
)
def test_the_scan_catches_literals(snippet: str) -> None:
    assert hard_coded_strings(snippet)


def test_the_scan_allows_translated_and_symbolic() -> None:
    ok = 'st.header(t("overview.title"))\nst.caption(f"{t(\'a\')}: {x} · ")\nst.write("—")'
    assert hard_coded_strings(ok) == []
