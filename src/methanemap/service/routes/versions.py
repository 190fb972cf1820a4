"""``GET /versions``, ``GET /versions/{base}/diff/{target}`` and ``GET /stac``: the
cube's published versions, what changed between two, and its STAC Collection."""

from typing import Any

from fastapi import APIRouter, Request

from methanemap.serve.stac import stac_collection
from methanemap.serve.versions import VersionDiff, VersionEntry, version_diff, versions
from methanemap.service.answers import CUBE_PROBLEMS, problems
from methanemap.service.cube import CubeHolder
from methanemap.service.deps import SnapshotDep
from methanemap.service.queryparams import VersionPath

router = APIRouter(tags=["versions"])


@router.get("/versions", response_model=list[VersionEntry], responses=problems(503))
def get_versions(request: Request) -> list[VersionEntry]:
    """Every published version of the cube, newest first, with its tags."""
    holder: CubeHolder = request.app.state.cube
    return versions(holder.current().location)


# Older cube layouts kept no per-period totals to compare (501).
@router.get(
    "/versions/{base}/diff/{target}",
    response_model=VersionDiff,
    responses={**CUBE_PROBLEMS, **problems(501)},
)
def get_version_diff(
    request: Request, base: VersionPath, target: VersionPath
) -> VersionDiff:
    """Periods added, removed and revised from one version to another, with the
    change of each sector's global total (t)."""
    holder: CubeHolder = request.app.state.cube
    return version_diff(holder.at(base), holder.at(target))


@router.get("/stac", responses=CUBE_PROBLEMS)
def get_stac(snapshot: SnapshotDep) -> dict[str, Any]:
    """The STAC Collection describing the cube (at ``version``, else the latest)."""
    return stac_collection(snapshot)
