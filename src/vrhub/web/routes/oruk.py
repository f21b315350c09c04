"""The opportunities directory as an Open Referral UK feed (HSDS 3.0, UK profile).

Open to anyone, with no sign-in and no credentials, readable from any web page (CORS
``*``) and throttled per client (:mod:`vrhub.web.open_feed`). Routes parse the request and
hand it to :mod:`vrhub.pathways.oruk_publish`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from vrhub import __version__
from vrhub.errors import UserError
from vrhub.pathways import oruk_publish as publish
from vrhub.pathways.directory import Directory
from vrhub.web.api_models import ERROR_RESPONSES
from vrhub.web.directory_deps import directory, directory_of

router = APIRouter(prefix="/oruk", tags=["Open Referral UK directory"],
                   responses=ERROR_RESPONSES)

CACHE = {"cache-control": "public, max-age=60"}
MATCH_FIRST = True
"""The app matches these routes before any other router's: the open feed is its busiest
part, and every router passed over costs each request a look at its routes."""
Text = Annotated[str | None, Query()]
DirectoryDep = Annotated[Directory, Depends(directory)]


def _json(content: Any) -> JSONResponse:
    return JSONResponse(content, headers=CACHE)


def _params(request: Request) -> dict[str, str | None]:
    return {k: v for k, v in request.query_params.items()}


@router.get("/", summary="API details: HSDS version, profile and API description")
def details(request: Request) -> JSONResponse:
    return _json(publish.api_details(str(request.base_url) + "oruk"))


@router.get("/openapi.json", include_in_schema=False)
def openapi(request: Request) -> JSONResponse:
    document = get_openapi(
        title="vrhub opportunities directory (Open Referral UK)", version=__version__,
        openapi_version="3.0.3", routes=router.routes,
        description="Positive opportunities and support for young people in London, "
        "published in the Open Referral UK profile of HSDS 3.0. Open data: no key, "
        "CORS *, throttled per client.")
    return _json(document)


SERVICE_FILTERS = {
    "search": "words in the name, description, organisation or categories",
    "page": "page number, from 1", "per_page": "services a page (up to 500)",
    "format": "json (the default) or ndjson (every match, one a line)",
    "taxonomy_term_id": "taxonomy term ids, comma-separated (narrower terms included)",
    "taxonomy_id": "a taxonomy id", "organization_id": "an organisation id",
    "modified_after": "changed after this date and time (ISO 8601)",
    "minimum_age": "takes someone this old or older", "maximum_age":
    "takes someone this young or younger", "day": "open on this day (MO..SU)",
    "start_time": "open after this time (HH:MM)", "end_time": "open before this time",
    "postcode": "nearest first from this postcode (or its first half)",
    "proximity": "within this many metres of the postcode",
    "full": "true: fully nested services", "minimal": "true: ids and last changes only",
}
"""``/services`` query parameters, read from the request directly (the busiest route of the
feed: FastAPI's per-parameter checks cost more than the search) and described here for
the API description."""


@router.get("/services", summary="Services, paginated (or every match as NDJSON)",
            openapi_extra={"parameters": [
                {"name": name, "in": "query", "required": False, "description": text,
                 "schema": {"type": "string"}} for name, text in SERVICE_FILTERS.items()]})
async def services(request: Request) -> Response:
    dir_ = directory_of(request.app.state)
    params = _params(request)
    if publish.needs_lookup(dir_, params):  # the postcode directory is asked off the loop
        query = await run_in_threadpool(publish.service_query, dir_, params)
    else:
        query = publish.service_query(dir_, params)
    fmt = (params.get("format") or "json").lower()
    if fmt == "ndjson":
        return StreamingResponse(_lines(publish.services_ndjson(dir_, query)),
                                 media_type="application/x-ndjson", headers=CACHE)
    if fmt != "json":
        raise UserError(f"format {params.get('format')!r} is not offered",
                        hint="use json or ndjson")
    paging = publish.paging(params.get("page"), params.get("per_page"))
    if publish.flag("full", params.get("full")):
        return _json(publish.services_page_full(dir_, query, paging))
    if publish.flag("minimal", params.get("minimal")):
        return _json(publish.services_page_minimal(dir_, query, paging))
    return Response(publish.services_page(dir_, query, paging),
                    media_type="application/json", headers=CACHE)


def _lines(source: Iterator[bytes]) -> Iterator[bytes]:
    yield from source


@router.get("/services/{service_id}", summary="One fully nested service")
def service(service_id: str, dir_: DirectoryDep) -> JSONResponse:
    return _json(publish.service_document(dir_, service_id))


@router.get("/organizations", summary="Organisations, paginated")
def organizations(dir_: DirectoryDep, search: Text = None, page: Text = None,
                  per_page: Text = None, full_service: Text = None, full: Text = None,
                  format: Text = None) -> JSONResponse:
    return _json(publish.organisations_page(dir_, search, publish.paging(page, per_page)))


@router.get("/organizations/{organization_id}", summary="One organisation and its services")
def organization(organization_id: str, dir_: DirectoryDep,
                 full_service: Text = None) -> JSONResponse:
    return _json(publish.organisation_document(
        dir_, organization_id, full_service=publish.flag("full_service", full_service)))


@router.get("/taxonomies", summary="Taxonomies, paginated")
def taxonomies(dir_: DirectoryDep, search: Text = None, page: Text = None,
               per_page: Text = None, format: Text = None) -> JSONResponse:
    return _json(publish.taxonomies_page(dir_, search, publish.paging(page, per_page)))


@router.get("/taxonomies/{taxonomy_id}", summary="One taxonomy with its terms")
def taxonomy(taxonomy_id: str, dir_: DirectoryDep) -> JSONResponse:
    return _json(publish.taxonomy_document(dir_, taxonomy_id))


@router.get("/taxonomy_terms", summary="Taxonomy terms, paginated")
def taxonomy_terms(request: Request, dir_: DirectoryDep, search: Text = None,
                   page: Text = None, per_page: Text = None, taxonomy_id: Text = None,
                   parent_id: Text = None, top_only: Text = None,
                   format: Text = None) -> JSONResponse:
    return _json(publish.taxonomy_terms_page(dir_, _params(request),
                                             publish.paging(page, per_page)))


@router.get("/taxonomy_terms/{term_id}", summary="One taxonomy term")
def taxonomy_term(term_id: str, dir_: DirectoryDep) -> JSONResponse:
    return _json(publish.taxonomy_term_document(dir_, term_id))


@router.get("/service_at_locations", summary="Services at their locations, paginated")
def service_at_locations(
    request: Request, dir_: DirectoryDep, search: Text = None, page: Text = None,
    per_page: Text = None, taxonomy_term_id: Text = None, taxonomy_id: Text = None,
    organization_id: Text = None, modified_after: Text = None, postcode: Text = None,
    proximity: Text = None, full: Text = None, format: Text = None,
) -> JSONResponse:
    query = publish.service_query(dir_, _params(request))
    return _json(publish.service_at_locations_page(dir_, query,
                                                   publish.paging(page, per_page)))


@router.get("/service_at_locations/{sal_id}", summary="One service at a location")
def service_at_location(sal_id: str, dir_: DirectoryDep) -> JSONResponse:
    return _json(publish.service_at_location_document(dir_, sal_id))
