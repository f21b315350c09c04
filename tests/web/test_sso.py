"""Single sign-on through the web app against a local fake OpenID provider."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from joserfc.jwk import RSAKey

from tests.integration.test_oidc import CLIENT_ID, CLIENT_SECRET, FakeProvider
from tests.web.html import error_messages, parse, summary_list, text
from vrhub.settings import Settings
from vrhub.web.app import create_app


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    key = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"})
    yield from FakeProvider(key=key).serve()


@pytest.fixture
def client(provider: FakeProvider, tmp_path: Path) -> TestClient:
    config = [{"name": "barts", "label": "Barts Health", "issuer": provider.base,
               "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "organisation": "R1H",
               "roles": {"VRHub.EDLead": "ed_data_lead"}, "site_claim": "vrhub_sites"}]
    settings = Settings.load({"VRHUB_OIDC_PROVIDERS": json.dumps(config)}, home=tmp_path,
                             environment="test")
    return TestClient(create_app(settings), base_url="http://testserver")


def test_sign_in_with_the_organisation_provider(client: TestClient) -> None:
    page = client.get("/sign-in")
    buttons = {text(a): a.get("href")
               for a in parse(page.text).find_all("a", class_="govuk-button")}
    assert buttons["Sign in with Barts Health"] == "/sign-in/sso/barts?next=/"
    start = client.get("/sign-in/sso/barts?next=/account", follow_redirects=False)
    assert start.status_code == 303
    with httpx.Client(trust_env=False) as browser:  # the provider signs the user straight in
        answer = browser.get(start.headers["location"])
    callback = answer.headers["location"]
    assert callback.startswith("http://testserver/sign-in/sso/barts/callback?")
    done = client.get(callback.removeprefix("http://testserver"), follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/account"
    account = client.get("/account")
    details = summary_list(parse(account.text))
    assert details["Role"] == "ED data lead" and "R1HNH" in details["ED sites"]


def test_callback_without_a_started_sign_in_is_refused(client: TestClient) -> None:
    response = client.get("/sign-in/sso/barts/callback?code=x&state=y")
    assert response.status_code == 400
    messages = error_messages(parse(response.text))
    assert any("not started in this browser" in m for m in messages), messages
