"""The published versions of a cube: naming one (id, tag or date) and listing them.

A version is a snapshot on the ``main`` branch's line of ancestry: each publish moves
``main`` to a snapshot whose parent is the one published before, so that line is the
cube's history. Tags name releases. A date names the version published at the end of
that day (UTC), a date-time the version published at that instant; "published" means
committed, a few seconds before the version became visible while it was validated.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import icechunk

from methanemap.errors import NotInCubeError
from methanemap.store.repo import BRANCH, open_repository

_SNAPSHOT_ID = re.compile(r"^[0-9A-Z]{20}$")


@dataclass(frozen=True)
class VersionInfo:
    """One published version of the cube.

    Attributes
    ----------
    id
        The snapshot id, the version's permanent name.
    time
        When the version was committed (UTC).
    message
        The commit message: what changed (periods added and revised, inputs).
    tags
        Release tags naming this version.
    parent
        The version published before it, None for the first.
    metadata
        What the writer recorded with the commit (periods, inputs, code version).
    """

    id: str
    time: datetime
    message: str
    tags: tuple[str, ...]
    parent: str | None
    metadata: dict[str, Any]


def list_versions(location: str) -> list[VersionInfo]:
    """Every published version of the cube at `location`, newest first."""
    repo = open_repository(location)
    published = _published(repo)
    ids = {str(s.id) for s in published}
    tags = _tags_by_snapshot(repo)
    return [_info(s, tags, ids) for s in published]


def resolve(location: str, version: str | None) -> str:
    """The snapshot id a version name stands for at `location` (`resolve_version`)."""
    return resolve_version(open_repository(location), version)


def resolve_version(repo: icechunk.Repository, version: str | None) -> str:
    """The snapshot id a version name stands for.

    Parameters
    ----------
    repo
        The cube's repository.
    version
        None (the latest version), a release tag, a snapshot id, or an ISO date or
        date-time (the version published then).

    Raises
    ------
    NotInCubeError
        If no published version has that name (or none was published by that date).
    """
    if version is None:
        return str(repo.lookup_branch(BRANCH))
    text = version.strip()
    if text in repo.list_tags():
        return str(repo.lookup_tag(text))
    if _SNAPSHOT_ID.match(text):
        if any(s.id == text for s in _published(repo)):
            return text
        raise _unknown(version)

    moment = _parse_moment(text)
    if moment is None:
        raise _unknown(version)
    for snapshot in _published(repo):
        if snapshot.written_at <= moment:
            return str(snapshot.id)
    raise NotInCubeError(
        f"no cube version was published by {text}; the first is listed last at "
        "/versions",
        parameter="version",
    )


def _published(repo: icechunk.Repository) -> list[icechunk.SnapshotInfo]:
    """Snapshots on the published line, newest first, without the empty root."""
    return [s for s in repo.ancestry(branch=BRANCH) if s.parent_id is not None]


def _tags_by_snapshot(repo: icechunk.Repository) -> dict[str, list[str]]:
    tags: dict[str, list[str]] = {}
    for tag in sorted(repo.list_tags()):
        tags.setdefault(str(repo.lookup_tag(tag)), []).append(tag)
    return tags


def _info(
    snapshot: icechunk.SnapshotInfo, tags: dict[str, list[str]], published: set[str]
) -> VersionInfo:
    parent = str(snapshot.parent_id) if snapshot.parent_id else None
    return VersionInfo(
        id=str(snapshot.id),
        time=snapshot.written_at,
        message=snapshot.message,
        tags=tuple(tags.get(str(snapshot.id), ())),
        parent=parent if parent in published else None,
        metadata=dict(snapshot.metadata or {}),
    )


def _parse_moment(text: str) -> datetime | None:
    """The instant an ISO date (its end, UTC) or date-time names; None if neither."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day + timedelta(days=1), time(), UTC) - timedelta(
                microseconds=1
            )
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _unknown(version: str) -> NotInCubeError:
    return NotInCubeError(
        f"cube version {version[:80]!r} does not exist; give a version id or tag "
        "listed at /versions, or an ISO date like 2026-05-01",
        parameter="version",
    )
