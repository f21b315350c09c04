"""Schemathesis against the OpenAPI schema, in-process, with each role's credentials.

Every GET operation of the API is run with generated parameters as each role (and the
public): no response may be a server error, and every response must conform to the
schema (status code documented, body matching its model). ``CI`` runs at least 100
examples per operation and role; locally a handful keep the run short.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.web.test_access_matrix import World, build_world
from vrhub.settings import Settings

pytestmark = pytest.mark.slow
EXAMPLES = 100 if os.environ.get("CI") else 8
ROLES = ("pan", "camden", "ed", "admin", "public")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    home = tmp_path_factory.mktemp("schemathesis") / "home"
    home.mkdir()
    w = build_world(Settings.load({}, home=home, environment="test"))
    yield w
    w.app.state.access.close()


def operations(world: World) -> list[object]:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", world.app)
    found = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() == "GET":
            found.append(operation)
    return found


@pytest.mark.parametrize("role", ROLES)
def test_no_server_errors_and_schema_conformance(world: World, role: str) -> None:
    headers = world.headers[role]
    ops = operations(world)
    assert len(ops) >= 10
    failures: list[str] = []
    for operation in ops:
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())  # type: ignore[attr-defined]
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=[
                not_a_server_error, response_schema_conformance, status_code_conformance])

        try:
            check()
        except Exception as exc:  # collect every failing operation, then report them all
            failures.append(f"{operation.label}: {type(exc).__name__}: "  # type: ignore[attr-defined]
                            f"{str(exc)[:600]}")
    assert not failures, "\n\n".join(failures)
