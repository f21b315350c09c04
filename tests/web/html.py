"""Reading the dashboard's HTML in tests: parsed with Beautiful Soup, never string-matched."""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag


def parse(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def text(node: Tag | None) -> str:
    """The node's text with whitespace collapsed ('' for no node)."""
    return " ".join(node.get_text(" ").split()) if node is not None else ""


def nav_labels(page: BeautifulSoup) -> list[str]:
    nav = page.find("nav", attrs={"aria-label": "Main"})
    return [text(a) for a in nav.find_all("a")] if isinstance(nav, Tag) else []


def summary_list(page: BeautifulSoup) -> dict[str, str]:
    """Keys and values of the first GOV.UK summary list."""
    found = page.find("dl", class_="govuk-summary-list")
    if not isinstance(found, Tag):
        return {}
    return {text(row.find("dt")): text(row.find("dd"))
            for row in found.find_all("div", class_="govuk-summary-list__row")}


def table(page: BeautifulSoup | Tag, caption: str) -> list[list[str]]:
    """Body rows (cell texts) of the table whose caption contains ``caption``."""
    for candidate in page.find_all("table"):
        cap = candidate.find("caption")
        if cap is not None and caption in text(cap):
            body = candidate.find("tbody") or candidate
            return [[text(c) for c in row.find_all(["th", "td"])]
                    for row in body.find_all("tr")]
    raise AssertionError(f"no table with a caption containing {caption!r}")


def headers(page: BeautifulSoup | Tag, caption: str) -> list[str]:
    for candidate in page.find_all("table"):
        cap = candidate.find("caption")
        if cap is not None and caption in text(cap):
            head = candidate.find("thead")
            return [text(c) for c in head.find_all("th")] if isinstance(head, Tag) else []
    raise AssertionError(f"no table with a caption containing {caption!r}")


def section(page: BeautifulSoup, heading: str) -> list[Tag]:
    """The elements after the h2 whose text is ``heading``, up to the next h2."""
    for h2 in page.find_all("h2"):
        if text(h2) == heading:
            out = []
            for sibling in h2.find_next_siblings():
                if sibling.name == "h2":
                    break
                out.append(sibling)
            return out
    raise AssertionError(f"no h2 {heading!r}")


def section_text(page: BeautifulSoup, heading: str) -> str:
    return " ".join(text(t) for t in section(page, heading))


def error_messages(page: BeautifulSoup) -> list[str]:
    box = page.find(class_="govuk-error-summary")
    return [text(li) for li in box.find_all("li")] if isinstance(box, Tag) else []


def error_links(page: BeautifulSoup) -> dict[str, str]:
    """The error summary's messages by the field each links to (``#from`` -> message)."""
    box = page.find(class_="govuk-error-summary")
    if not isinstance(box, Tag):
        return {}
    return {str(a.get("href")): text(a) for a in box.find_all("a")}


def error_page(page: BeautifulSoup) -> tuple[str, str]:
    """(title, message) of an error page: its h1 and the paragraph after it."""
    title = page.find("h1")
    message = title.find_next("p", class_="govuk-body") if isinstance(title, Tag) else None
    return text(title), text(message)


def inset_texts(page: BeautifulSoup) -> list[str]:
    """The text of each GOV.UK inset (the empty states' explanations)."""
    return [text(box) for box in page.find_all(class_="govuk-inset-text")]


def error_hint(page: BeautifulSoup) -> str:
    """The "How to fix it" paragraph of an error page ('' when it has none)."""
    for paragraph in page.find_all("p", class_="govuk-body"):
        if text(paragraph).startswith("How to fix it:"):
            return text(paragraph)
    return ""
