"""The public files (vrhub.web.routes.api_public and vrhub.web.routes.pages_public): only
files the manifest lists and the folder holds are served; each is read again only when it
changes."""

from __future__ import annotations

import json
import os
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.route_paths import path_of
from vrhub.reports.publish import MANIFEST
from vrhub.web.routes import api_public, pages_public

JSON = {"accept": "application/json"}  # errors as JSON, not as a page


def test_a_published_file_is_read_again_only_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "counts.csv"
    assert api_public.published(path) is None
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    first = api_public.published(path)
    assert first is not None and first.served.body == b"a,b\n1,2\n"
    assert api_public.published(path) is first
    path.write_text("a,b\n1,2\n3,4\n", encoding="utf-8")
    os.utime(path, ns=(1, 1))
    second = api_public.published(path)
    assert second is not None and second is not first
    assert second.served.body == b"a,b\n1,2\n3,4\n"
    assert second.served.etag != first.served.etag


def test_manifest_items_are_the_listed_files_the_folder_holds(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "year.csv").write_bytes(b"x" * 42)
    (tmp_path / "sub" / "deep.csv").write_bytes(b"y")
    (tmp_path.parent / "outside.csv").write_bytes(b"z")
    manifest = {"outputs": {
        "year": {"title": "Offences by year", "files": {"csv": "year.csv",
                                                        "json": "year.json"}},
        "deep": {"files": {"csv": "sub/deep.csv"}},
        "escape": {"files": {"csv": "../outside.csv"}},
        "broken": "not an entry",
    }}
    items = pages_public.manifest_items(manifest, tmp_path)
    assert [(i["path"], i["title"], i["format"], i["size"]) for i in items] == [
        ("year.csv", "Offences by year", "CSV", 42)]


def test_before_publishing_the_manifest_is_not_found(app: FastAPI) -> None:
    client = TestClient(app)
    response = client.get(path_of(api_public, api_public.manifest))
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "nothing has been published yet"
    page = client.get(path_of(pages_public, pages_public.public_file, path="year.csv"),
                      headers=JSON)
    assert page.status_code == 404
    assert page.json()["error"]["message"] == "there is no published file 'year.csv'"


def test_only_files_the_manifest_lists_are_served(app: FastAPI) -> None:
    folder = Path(app.state.workspace.public)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "year.csv").write_text("area,count\nE09000007,15\n", encoding="utf-8")
    (folder / "draft.csv").write_text("area,count\nE09000007,3\n", encoding="utf-8")
    (folder / MANIFEST).write_text(json.dumps({"outputs": {
        "year": {"title": "Year", "files": {"csv": "year.csv"}}}}), encoding="utf-8")
    client = TestClient(app)
    listed = client.get(path_of(api_public, api_public.output_file, name="year.csv"))
    assert listed.status_code == 200 and listed.text == "area,count\nE09000007,15\n"
    assert listed.headers["cache-control"] == "public, max-age=3600"
    again = client.get(path_of(api_public, api_public.output_file, name="year.csv"),
                       headers={"if-none-match": listed.headers["etag"]})
    assert again.status_code == 304
    unlisted = client.get(path_of(api_public, api_public.output_file, name="draft.csv"))
    assert unlisted.status_code == 404
    assert unlisted.json()["error"]["message"] == "no published output called 'draft.csv'"
    download = client.get(path_of(pages_public, pages_public.public_file, path="year.csv"))
    assert download.status_code == 200 and download.content == (folder / "year.csv").read_bytes()
    refused = client.get(path_of(pages_public, pages_public.public_file, path="draft.csv"),
                         headers=JSON)
    assert refused.status_code == 404
