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

from vrhub import __version__
from vrhub.errors import UserError
from vrhub.pathways import oruk_publish as publish
from vrhub.pathways.directory import Directory
from vrhub.web.api_models import ERROR_RESPONSES
from vrhub.web.directory_deps import directory

router = APIRouter(prefix="/oruk", tags=["Open Referral UK directory"],
                   responses=ERROR_RESPONSES)

CACHE = {"cache-control": "public, max-age=60"}
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


@router.get("/services", summary="Services, paginated (or every match as NDJSON)")
async def services(
    request: Request, dir_: DirectoryDep,
    search: Text = None, page: Text = None, per_page: Text = None, format: Text = None,
    taxonomy_term_id: Text = None, taxonomy_id: Text = None, organization_id: Text = None,
    modified_after: Text = None, minimum_age: Text = None, maximum_age: Text = None,
    day: Text = None, start_time: Text = None, end_time: Text = None, postcode: Text = None,
    proximity: Text = None, full: Text = None, minimal: Text = None,
) -> Response:
    params = _params(request)
    query = publish.service_query(dir_, params)
    if (format or "json").lower() == "ndjson":
        return StreamingResponse(_lines(publish.services_ndjson(dir_, query)),
                                 media_type="application/x-ndjson", headers=CACHE)
    if (format or "json").lower() != "json":
        raise UserError(f"format {format!r} is not offered", hint="use json or ndjson")
    paging = publish.paging(page, per_page)
    if publish.flag("full", full):
        return _json(publish.services_page_full(dir_, query, paging))
    if publish.flag("minimal", minimal):
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
