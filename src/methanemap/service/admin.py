"""Admin routes, mounted only when ``METHANEMAP_ADMIN_TOKEN`` is set: each needs
``Authorization: Bearer <token>`` (401 without it, 403 with a wrong one).

``POST /admin/reload`` opens the latest published cube version now, without waiting
for the next check of ``reload_interval``.
"""

import logging
import secrets
from typing import Annotated, TypedDict

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from methanemap.config import Settings
from methanemap.service.cube import CubeHolder

log = logging.getLogger(__name__)

#: The challenge of a 401, as RFC 6750 writes it.
CHALLENGE = 'Bearer realm="methanemap-admin"'

_bearer = HTTPBearer(auto_error=False, description="The admin token.")


class Reloaded(TypedDict):
    """The answer of a reload: the version served before and after it."""

    previous: str | None
    version: str | None
    changed: bool


async def require_admin(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Let the request through only with the admin token as its bearer token."""
    settings: Settings = request.app.state.settings
    if settings.admin_token is None:  # the routes are not mounted then; belt and braces
        raise HTTPException(404, "Not Found")
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            401,
            "this route needs the admin token: Authorization: Bearer <token>",
            headers={"WWW-Authenticate": CHALLENGE},
        )

    given = credentials.credentials.encode()
    expected = settings.admin_token.get_secret_value().encode()
    if not secrets.compare_digest(given, expected):
        log.warning("admin request with a wrong token from %s", request.client)
        raise HTTPException(403, "the admin token is wrong")


router = APIRouter(
    prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)]
)


@router.post("/reload")
async def reload(request: Request) -> Reloaded:
    """Open the latest published cube version now."""
    holder: CubeHolder = request.app.state.cube
    previous = holder.serving
    snapshot = await run_in_threadpool(holder.refresh)
    version = snapshot.version if snapshot is not None else None
    log.info("admin reload: serving %s (was %s)", version, previous)
    return {"previous": previous, "version": version, "changed": version != previous}
