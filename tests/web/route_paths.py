"""The URL a route function of a route module answers at, read from the module's router."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from fastapi.routing import APIRoute


def path_of(module: ModuleType, endpoint: Callable[..., Any], **params: str) -> str:
    """The path of the route of ``module.router`` whose endpoint is ``endpoint`` (a function
    the route module defines), with ``params`` filled in."""
    for route in module.router.routes:
        if isinstance(route, APIRoute) and route.endpoint is endpoint:
            return str(route.url_path_for(route.name, **params))
    raise AssertionError(f"{module.__name__} serves no route of {endpoint.__name__}")
