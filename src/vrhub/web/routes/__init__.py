"""Routers of the web app. Any module here defining ``router`` (an APIRouter) is included
by ``create_app``; API routers use the ``/api/v1`` prefix, pages use plain paths."""
