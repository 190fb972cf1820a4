"""One change of a cube as a transaction: write on a work branch, then publish by moving
the ``main`` branch to the new snapshot in one atomic step.

Readers open ``main`` (or a tag, or an older snapshot), so they see the old cube until
`Transaction.publish` and the new one after it, never a mix. A writer killed at any
point leaves ``main`` as it was; the next run resets the work branch to ``main`` and
starts again. One writer at a time: local disk has no locks, so a second writer's
publish fails (and publishes nothing) when ``main`` has moved since it began.
"""

import os
import re
import sys
import time
from dataclasses import dataclass
from datetime import date

import icechunk

from methanemap.errors import StoreError
from methanemap.store.repo import BRANCH, open_or_create_repository

#: Branch on which a change is written and validated before it is published.
WORK_BRANCH = "update"
#: Test hook: a writer whose environment names a step here pauses at that step (for
#: ``METHANEMAP_PAUSE_SECONDS``, default 600), so that a test can kill it there.
PAUSE_VARIABLE = "METHANEMAP_PAUSE_AT"
STEPS = ("begin", "write", "commit", "publish")

_SNAPSHOT_ID = re.compile(r"^[0-9A-Z]{20}$")


@dataclass(frozen=True)
class Transaction:
    """A change being written on the work branch of the cube at `location`.

    Attributes
    ----------
    base
        The snapshot ``main`` pointed to when the change began.
    session
        The writable session on the work branch.
    """

    repo: icechunk.Repository
    location: str
    base: str
    session: icechunk.Session

    def commit(self, message: str, metadata: dict[str, object] | None = None) -> str:
        """Commit the change on the work branch (unpublished); returns its snapshot."""
        snapshot = str(self.session.commit(message, metadata=metadata or {}))
        checkpoint("commit")
        return snapshot

    def publish(self, snapshot: str) -> None:
        """Move ``main`` to `snapshot`, unless ``main`` moved since the change began."""
        checkpoint("publish")
        try:
            self.repo.reset_branch(BRANCH, snapshot, from_snapshot_id=self.base)
        except icechunk.IcechunkError as exc:
            now = self.repo.lookup_branch(BRANCH)
            raise StoreError(
                f"could not publish {snapshot} at {self.location!r}: the published "
                f"version moved from {self.base} to {now} during this change (another "
                "writer?); nothing was published, run the update again"
            ) from exc


def begin(location: str, base: str | None = None) -> Transaction:
    """Start a change of the cube at `location` (created empty if there is none).

    Parameters
    ----------
    base
        The version the change was planned against (the published one if None); the
        change is published only if that version is still the published one.
    """
    repo = open_or_create_repository(location)
    base = str(repo.lookup_branch(BRANCH)) if base is None else base
    if WORK_BRANCH in repo.list_branches():
        repo.reset_branch(WORK_BRANCH, base)
    else:
        repo.create_branch(WORK_BRANCH, base)
    checkpoint("begin")
    return Transaction(repo, location, base, repo.writable_session(WORK_BRANCH))


def tag_release(location: str, tag: str, version: str) -> None:
    """Tag `version` of the cube at `location` as release `tag`.

    Raises
    ------
    StoreError
        If `tag` could be read as a version id or a date, or already names another
        version (tags never move).
    """
    validate_tag(tag)
    repo = open_or_create_repository(location)
    if tag in repo.list_tags():
        current = str(repo.lookup_tag(tag))
        if current == version:
            return
        raise StoreError(
            f"tag {tag!r} already names version {current}; tags never move, choose "
            "another name"
        )
    repo.create_tag(tag, snapshot_id=version)


def validate_tag(tag: str) -> None:
    """Raise StoreError unless `tag` is a usable release name."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", tag):
        raise StoreError(
            f"tag {tag!r} is not a release name; use up to 64 letters, digits, '.', "
            "'_' or '-', starting with a letter or digit (e.g. v2024.1)"
        )
    if _SNAPSHOT_ID.match(tag) or _looks_like_date(tag):
        raise StoreError(
            f"tag {tag!r} reads as a version id or a date; choose a name like v2024.1"
        )


def checkpoint(step: str) -> None:
    """Pause here if the test hook names `step` (see `PAUSE_VARIABLE`)."""
    if os.environ.get(PAUSE_VARIABLE) != step:
        return
    sys.stderr.write(f"methanemap: paused at {step}\n")
    sys.stderr.flush()
    time.sleep(float(os.environ.get("METHANEMAP_PAUSE_SECONDS", "600")))


def _looks_like_date(text: str) -> bool:
    try:
        date.fromisoformat(text[:10])
    except ValueError:
        return False
    return True
