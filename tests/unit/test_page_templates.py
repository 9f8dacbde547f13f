"""The pages' Content-Security-Policy runs no script and applies no style written in a page, so no
page template may hold any: scripts and styles live in `chalicelib/static/`, served from `/assets/`.
Checks of every template, so a new page is covered the day it is added. Emails are not pages:
mail programs read only the style written in the message, and run no script at all."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "chalicelib" / "templates"
PAGE_TEMPLATES = sorted(path for path in TEMPLATES.rglob("*.html") if "emails" not in path.relative_to(TEMPLATES).parts)

# What the policy would block, silently, in a real browser.
INLINE = {
    "a <script> with code in it": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE),
    "a <style> block": re.compile(r"<style[\s>]", re.IGNORECASE),
    "a style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "an event handler attribute": re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE),
    "a javascript: address": re.compile(r"javascript:", re.IGNORECASE),
}


def _inline_code(text: str) -> list[str]:
    return [
        f"{what} at line {text.count(chr(10), 0, m.start()) + 1}"
        for what, rx in INLINE.items()
        for m in rx.finditer(text)
    ]


@pytest.mark.parametrize("path", PAGE_TEMPLATES, ids=lambda path: str(path.relative_to(TEMPLATES)))
def test_a_page_template_has_no_inline_script_or_style(path):
    assert _inline_code(path.read_text(encoding="utf-8")) == []


def test_the_check_finds_each_kind_of_inline_code():
    found = _inline_code(
        '<script>go()</script>\n<style>p{}</style>\n<p style="color:red" onclick="go()"><a href="javascript:go()">'
    )
    assert len(found) == len(INLINE)
    assert _inline_code('<script src="/assets/x.js"></script><p class="styled" data-on="x">') == []


def test_every_asset_a_template_names_is_kept():
    from chalicelib.assets import asset_url

    named = {name for path in PAGE_TEMPLATES for name in re.findall(r"asset\('([^']+)'\)", path.read_text("utf-8"))}
    assert {"site.css", "report-autosave.js"} <= named
    for name in named:
        assert asset_url(name).startswith("/assets/")
