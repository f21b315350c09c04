"""Listings for the organisations that keep them and the VRU curators who review them.

A provider sees and edits its own organisation's listings; a curator sees every listing,
which are stale (not reviewed for VRHUB_DIRECTORY_REVIEW_MONTHS months), reviews them
and sees the feeds imported. Every change asks the listing policy and is audited.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vrhub.access.listings import ListingPolicy, owner_of_new
from vrhub.access.principal import Principal
from vrhub.access.roles import ROLE_ACTIONS, Action, Role
from vrhub.errors import PermissionDenied, UserError
from vrhub.pathways import curation
from vrhub.pathways.directory import Directory
from vrhub.pathways.referral_figures import listing_figures
from vrhub.standards import oruk
from vrhub.standards.opportunity_taxonomy import VRU_PRIORITIES, YOUTH_OPPORTUNITIES
from vrhub.storage import directory_reads as reads
from vrhub.web.csrf import require_csrf
from vrhub.web.deps import signed_in
from vrhub.web.directory_deps import directory
from vrhub.web.navigation import render_page

router = APIRouter(include_in_schema=False)
Who = Annotated[Principal, Depends(signed_in)]
Dir = Annotated[Directory, Depends(directory)]
DAYS = (("MO", "Mon"), ("TU", "Tue"), ("WE", "Wed"), ("TH", "Thu"), ("FR", "Fri"),
        ("SA", "Sat"), ("SU", "Sun"))


def _policy(request: Request) -> ListingPolicy:
    return ListingPolicy(request.app.state.access.audit)


def _may_list(request: Request, who: Principal) -> None:
    if Action.MANAGE_LISTINGS not in ROLE_ACTIONS[who.role]:
        _policy(request).enforce(who, Action.MANAGE_LISTINGS, "(list)", None,
                                 detail="listings page")


@router.get("/listings", response_class=HTMLResponse)
def listings_page(request: Request, who: Who, dir_: Dir) -> HTMLResponse:
    _may_list(request, who)
    curator = who.role is Role.DIRECTORY_CURATOR
    months = request.app.state.settings.directory_review_months
    only_stale = request.query_params.get("stale") == "1"
    rows = curation.listing_rows(dir_, None if curator else (who.organisation or "-"),
                                 months)
    if only_stale:
        rows = [r for r in rows if r["stale"]]
    figures = listing_figures(dir_.sessions, [r["id"] for r in rows]) if rows else {}
    for r in rows:
        found = figures.get(r["id"])
        r["figures"] = found.sentences() if found else []
    return render_page(request, "pages/listings.html", who, page_title="Listings",
                       rows=rows[:500], total=len(rows), curator=curator, months=months,
                       only_stale=only_stale)


def _form_page(request: Request, who: Principal, values: dict[str, Any],
               errors: dict[str, str], listing_id: str | None, status: int = 200
               ) -> HTMLResponse:
    return render_page(request, "pages/listing_form.html", who, status_code=status,
                       page_title="Edit listing" if listing_id else "New listing",
                       values=values, errors=errors, listing_id=listing_id, days=DAYS,
                       statuses=oruk.SERVICE_STATUSES,
                       opportunity_terms=[t for t in YOUTH_OPPORTUNITIES.terms if t.parent],
                       priority_terms=list(VRU_PRIORITIES.terms))


@router.get("/listings/new", response_class=HTMLResponse)
def new_listing(request: Request, who: Who) -> HTMLResponse:
    _may_list(request, who)
    return _form_page(request, who, {"city": "London", "status": "active"}, {}, None)


@router.get("/listings/feeds", response_class=HTMLResponse)
def feeds_page(request: Request, who: Who, dir_: Dir) -> HTMLResponse:
    if who.role is not Role.DIRECTORY_CURATOR:
        _policy(request).enforce(who, Action.IMPORT_DIRECTORY, "(feeds)", None,
                                 detail="feeds page")
        raise PermissionDenied("only directory curators see the feeds")
    with dir_.sessions() as session:
        feeds = {f.id: f for f in reads.feeds(session)}
        imports = [{"id": i.id, "source": feeds[i.feed_id].source if i.feed_id in feeds
                    else "", "name": feeds[i.feed_id].name if i.feed_id in feeds else "",
                    "started_at": i.started_at, "records_read": i.records_read,
                    "created": i.created, "updated": i.updated, "unchanged": i.unchanged,
                    "merged": i.merged, "quarantined": i.quarantined,
                    "score": (i.quality or {}).get("score")}
                   for i in reads.imports(session, limit=50)]
    return render_page(request, "pages/feeds.html", who, page_title="Feeds",
                       imports=imports)


@router.get("/listings/{listing_id}", response_class=HTMLResponse)
def edit_listing(request: Request, listing_id: str, who: Who, dir_: Dir) -> HTMLResponse:
    owner = curation.owner_of(dir_, listing_id)
    _policy(request).enforce(who, Action.MANAGE_LISTINGS, listing_id, owner,
                             detail="opened to edit")
    return _form_page(request, who, curation.form_values(dir_, listing_id), {}, listing_id)


async def _save(request: Request, who: Principal, dir_: Directory, listing_id: str | None
                ) -> Response:
    form = await request.form()
    values: dict[str, Any] = {k: form.getlist(k) if k in ("opportunity_terms",
                                                          "priority_terms") or
                              k.startswith("days_") else form.get(k, "") for k in form}
    policy = _policy(request)
    if listing_id is None:
        owner = owner_of_new(who)
        policy.enforce(who, Action.MANAGE_LISTINGS, "(new)", owner if owner else
                       who.organisation, detail="new listing")
    else:
        owner = curation.owner_of(dir_, listing_id)
        policy.enforce(who, Action.MANAGE_LISTINGS, listing_id, owner, detail="saved")
    try:
        listing = curation.form_from_values(values)
        saved, _notes = curation.save_listing(
            dir_, listing, owner_code=owner, service_id=listing_id,
            organisation_id=curation.organisation_of(dir_, listing_id) if listing_id
            else None)
    except UserError as exc:
        return _form_page(request, who, values, {"name": exc.message}, listing_id, 422)
    return RedirectResponse(f"/listings?saved={saved}", status_code=303)


@router.post("/listings/new", dependencies=[Depends(require_csrf)])
async def create_listing(request: Request, who: Who, dir_: Dir) -> Response:
    return await _save(request, who, dir_, None)


@router.post("/listings/{listing_id}", dependencies=[Depends(require_csrf)])
async def update_listing(request: Request, listing_id: str, who: Who, dir_: Dir
                         ) -> Response:
    return await _save(request, who, dir_, listing_id)


@router.post("/listings/{listing_id}/review", dependencies=[Depends(require_csrf)])
def review_listing(request: Request, listing_id: str, who: Who, dir_: Dir) -> Response:
    _policy(request).enforce(who, Action.REVIEW_LISTINGS, listing_id,
                             curation.owner_of(dir_, listing_id), detail="reviewed")
    curation.review(dir_, listing_id, who.email)
    return RedirectResponse("/listings?reviewed=1", status_code=303)
