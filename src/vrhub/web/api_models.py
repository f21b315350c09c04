"""Response models shared by the API routers, so the OpenAPI schema is precise."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

RecordDataset = Literal["istv", "police", "stop-search"]
ExportFormat = Literal["csv", "xlsx", "gpkg", "geojson", "parquet"]


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable error code.")
    message: str = Field(description="What is wrong.")
    hint: str | None = Field(default=None, description="How to fix it.")


class ErrorResponse(BaseModel):
    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": text}
    for status, text in {
        400: "The request cannot be served as asked.",
        401: "Sign in or send a valid API token.",
        403: "Your role or scope does not allow this; the attempt is audited.",
        404: "Not found.",
        413: "The request body is too large.",
        422: "The request's parameters are not valid.",
        429: "Too many requests.",
    }.items()
}


class Page(BaseModel):
    total: int = Field(description="Records matching the request inside your scope.")
    limit: int
    offset: int
    next: str | None = Field(description="URL of the next page, if there is one.")


class RecordPage(Page):
    dataset: RecordDataset
    scope: dict[str, Any] = Field(description="The scope the records were filtered to.")
    period: dict[str, Any] = Field(description=(
        "The months searched: `from` and `to` as asked, else the first and last month the "
        "dataset holds (`every_month` true: a record search covers every month unless "
        "months are given)."))
    records: list[dict[str, Any]]


class RecordOut(BaseModel):
    dataset: RecordDataset
    record: dict[str, Any]
