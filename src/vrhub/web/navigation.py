"""What each role sees in the dashboard's main navigation, and the page renderer that
puts it (and the signed-in principal) into every page.

=====================  ================================================================
public                 Overview, Public data
pan-London / borough   Overview, Boroughs, Hotspots, Trends (the borough profiles), Returns,
                       Outcomes, Incidents (critical-incident response), Plans (plan
                       assessment), Needs assessments (Serious Violence Duty)
ICB analyst            Overview, Boroughs, Hotspots, Trends and Data quality (their ICB's ED
                       sites), Needs assessments (their ICB's boroughs)
ED data lead           Overview, Upload, Data quality (plus the analyst pages for their
                       own records)
administrator          Overview, Data quality, Returns, Outcomes
programme lead         Overview, Returns (their programmes' returns and indicators), Outcomes
case worker            Overview, Caseload, Opportunities
team lead              Overview, Caseload, Referral figures, Opportunities
provider               Overview, Listings, Opportunities
directory curator      Overview, Listings, Feeds, Referral figures, Opportunities
=====================  ================================================================

Everyone (signed in or not) can search the opportunities directory.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from vrhub.access.principal import Principal
from vrhub.access.roles import Role
from vrhub.web.templating import render

NavItem = tuple[str, str]

_ANALYST: tuple[NavItem, ...] = (("/boroughs", "Boroughs"), ("/hotspots", "Hotspots"),
                                 ("/trends", "Trends"))
_ED: tuple[NavItem, ...] = (("/upload", "Upload"), ("/quality", "Data quality"))
_RETURNS: NavItem = ("/outcomes/returns", "Returns")
_OUTCOMES: NavItem = ("/outcomes", "Outcomes")
_INCIDENTS: NavItem = ("/incidents", "Incidents")
_PLANS: NavItem = ("/plans", "Plans")
_SNA: NavItem = ("/sna", "Needs assessments")

NAVIGATION: dict[Role, tuple[NavItem, ...]] = {
    Role.PUBLIC: (("/", "Overview"), ("/public", "Public data"),
                  ("/opportunities", "Opportunities")),
    Role.PAN_LONDON_ANALYST: (("/", "Overview"), *_ANALYST, ("/quality", "Data quality"),
                              _RETURNS, _OUTCOMES, _INCIDENTS, _PLANS, _SNA),
    Role.BOROUGH_ANALYST: (("/", "Overview"), *_ANALYST, _RETURNS, _OUTCOMES, _INCIDENTS,
                           _PLANS, _SNA),
    Role.ICB_ANALYST: (("/", "Overview"), *_ANALYST, ("/quality", "Data quality"), _SNA),
    Role.ED_DATA_LEAD: (("/", "Overview"), *_ED, ("/hotspots", "Hotspots")),
    Role.ADMINISTRATOR: (("/", "Overview"), ("/quality", "Data quality"), _RETURNS,
                         _OUTCOMES),
    Role.PROGRAMME_LEAD: (("/", "Overview"), _RETURNS, _OUTCOMES),
    Role.CASE_WORKER: (("/", "Overview"), ("/referrals", "Caseload"),
                       ("/opportunities", "Opportunities")),
    Role.TEAM_LEAD: (("/", "Overview"), ("/referrals", "Caseload"),
                     ("/referrals/figures", "Referral figures"),
                     ("/opportunities", "Opportunities")),
    Role.PROVIDER: (("/", "Overview"), ("/listings", "Listings"),
                    ("/opportunities", "Opportunities")),
    Role.DIRECTORY_CURATOR: (("/", "Overview"), ("/listings", "Listings"),
                             ("/listings/feeds", "Feeds"),
                             ("/referrals/figures", "Referral figures"),
                             ("/opportunities", "Opportunities")),
}


def nav_items(principal: Principal) -> list[NavItem]:
    """The navigation of ``principal``'s role, with the sign-in or account link last."""
    items = list(NAVIGATION[principal.role])
    items.append(("/sign-in", "Sign in") if principal.is_public else ("/account", "Account"))
    return items


def active_href(path: str, items: list[NavItem]) -> str:
    """The navigation item a page belongs to (longest matching prefix)."""
    best = "/"
    for href, _label in items:
        if href != "/" and (path == href or path.startswith(href + "/")) and len(href) > len(best):
            best = href
    return best


def render_page(request: Request, template: str, principal: Principal, *,
                status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a dashboard page with the role's navigation."""
    items = nav_items(principal)
    return render(request, template, status_code=status_code, nav_items=items,
                  nav_active=active_href(request.url.path, items), principal=principal,
                  **context)
