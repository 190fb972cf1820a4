"""The web map page: ``GET /`` and its static files, read from the page directory.

The page directory holds ``index.html``, ``app.js``, ``style.css`` and, after ``npm
install`` there, ``node_modules/maplibre-gl``. It is the ``web_dir`` setting or else the
``api/web`` folder of the source checkout the package runs from. Without it, ``/`` says
how to get it; without MapLibre, the page itself says how to install it.
"""

import logging
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

#: Where MapLibre GL JS lands in the page directory after ``npm install``.
MAPLIBRE_DIST = Path("node_modules", "maplibre-gl", "dist")

NO_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>methanemap</title></head>
<body><h1>methanemap</h1>
<p>The web map page was not found. Run the service from a source checkout (the page is
in <code>api/web</code>) or set <code>METHANEMAP_WEB_DIR</code> to that directory.</p>
<p>The API works without it: see <a href="docs">/docs</a>.</p></body></html>
"""


def find_web_dir(configured: Path | None) -> Path | None:
    """The page directory: `configured`, else ``api/web`` above this module, if any."""
    candidates = (
        [configured]
        if configured is not None
        else [parent / "api" / "web" for parent in Path(__file__).resolve().parents]
    )
    for candidate in candidates:
        if (candidate / "index.html").is_file():
            return candidate
    log.warning("no web map page in %s", [str(c) for c in candidates][:3])
    return None


def mount_web(app: FastAPI, web_dir: Path | None) -> None:
    """Serve the page's files at ``/static`` and MapLibre at ``/static/maplibre``."""
    app.state.web_dir = web_dir
    app.include_router(router)
    if web_dir is None:
        return

    dist = web_dir / MAPLIBRE_DIST
    if dist.is_dir():
        app.mount("/static/maplibre", StaticFiles(directory=dist), name="maplibre")
    else:
        log.warning("MapLibre is not installed in %s; run `npm install` there", web_dir)
    app.mount("/static", StaticFiles(directory=web_dir), name="web")


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> Response:
    """The web map."""
    web_dir: Path | None = request.app.state.web_dir
    if web_dir is None:
        return HTMLResponse(NO_PAGE)
    return FileResponse(web_dir / "index.html", headers={"Cache-Control": "no-cache"})
