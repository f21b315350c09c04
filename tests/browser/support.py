"""Helpers for browser tests: axe-core checks and screenshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_check(page: Any, name: str) -> list[dict[str, Any]]:
    """Run axe-core with the WCAG 2.2 AA tags; returns the violations (want [])."""
    # Judged once the page and its style sheets have loaded (an unstyled page has small
    # targets and default colours). Evaluated through the DevTools protocol, so the page's
    # CSP (no inline scripts) stays on.
    page.wait_for_load_state("load")
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_TAGS,
    )
    violations: list[dict[str, Any]] = result["violations"] + _focused_links_in_text(page)
    return [
        {"page": name, "id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in violations
    ]


# Focus is part of a link's state: GOV.UK's focus style swaps the underline for a yellow
# fill, so a link in running text must still stand out from the words around it then.
_FOCUSED_LINKS = """async () => {
  const block = (e) => {
    while (e && !['block', 'list-item', 'table-cell', 'flex', 'grid']
        .includes(getComputedStyle(e).display)) e = e.parentElement;
    return e;
  };
  const found = [];
  const before = document.activeElement;
  for (const a of document.querySelectorAll('main a[href]')) {
    const parent = block(a.parentElement);
    if (!parent || parent.textContent.trim() === a.textContent.trim()) continue;
    a.focus();
    const r = await axe.run(a, {runOnly: {type: 'rule', values: ['link-in-text-block']}});
    found.push(...r.violations);
  }
  if (before && before.focus) before.focus(); else document.activeElement.blur();
  return found;
}"""


def _focused_links_in_text(page: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate(_FOCUSED_LINKS)
    for v in found:
        v["id"] += " (focused)"
    return found


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
