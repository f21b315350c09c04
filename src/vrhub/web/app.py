"""The application factory."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from vrhub import __version__
from vrhub.settings import Settings
from vrhub.storage.warehouse import Warehouse
from vrhub.web.errors import install_error_handlers
from vrhub.workspace import Workspace


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(
        title="vrhub",
        version=__version__,
        description="Data platform of London's violence-reduction partnership.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.workspace = Workspace(settings.home)
    install_error_handlers(app)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home() -> str:
        ws = app.state.workspace
        rows = ""
        if ws.warehouse_path.exists():
            with Warehouse(ws.warehouse_path, read_only=True) as wh:
                prov = wh.query(
                    "SELECT source, count(*) AS files, sum(rows_loaded) AS loaded "
                    "FROM provenance WHERE status <> 'replaced' GROUP BY source ORDER BY source"
                )
            rows = "".join(
                f"<tr><td>{source}</td><td>{files}</td><td>{int(loaded or 0):,}</td></tr>"
                for source, files, loaded in prov.itertuples(index=False, name=None)
            )
        return (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>vrhub</title>"
            "</head><body><main><h1>vrhub</h1><p>Workspace data sources:</p><table>"
            "<thead><tr><th scope='col'>Source</th><th scope='col'>Files</th>"
            "<th scope='col'>Rows loaded</th></tr></thead><tbody>"
            f"{rows}</tbody></table></main></body></html>"
        )

    return app
