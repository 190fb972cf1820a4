"""The input registry: every public input by name, source URL and checksum.

An input resolves to a local file, either in the mirror directory given by
``METHANEMAP_DATA_MIRROR`` (checked against its checksum, never downloaded) or, with no
mirror, downloaded by pooch from its public source into the cache directory.
"""

import logging
import tomllib
import zipfile
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import pooch
import requests

from methanemap.config import get_settings
from methanemap.errors import CorruptInputError, MissingInputError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Input:
    """One public input file: where it comes from and what its bytes must hash to."""

    name: str
    path: str
    url: str
    sha256: str
    publisher: str = ""
    units: str = ""
    member: str = ""


@cache
def inputs() -> dict[str, Input]:
    """All registered inputs by name."""
    text = resources.files("methanemap.sources").joinpath("inputs.toml").read_text()
    table = tomllib.loads(text)
    return {name: Input(name=name, **entry) for name, entry in table.items()}


def get_input(name: str) -> Input:
    """The registry entry of `name`, or a clear error listing the known names."""
    try:
        return inputs()[name]
    except KeyError:
        known = ", ".join(sorted(inputs()))
        raise MissingInputError(
            f"unknown input {name!r}; known inputs: {known}"
        ) from None


def fetch(name: str, mirror: Path | None = None) -> Path:
    """Local path of input `name`, verified against its checksum.

    Parameters
    ----------
    name
        Registry name of the input, for example ``"iea_methane_tracker"``.
    mirror
        Mirror directory; defaults to the ``data_mirror`` setting. With no mirror at
        all the file is downloaded from its public source.
    """
    entry = get_input(name)
    mirror = mirror if mirror is not None else get_settings().data_mirror
    if mirror is None:
        return _download(entry)

    path = Path(mirror) / entry.path
    if not path.is_file():
        raise MissingInputError(
            f"input {name!r} ({entry.path}) not found at {path}; the mirror directory "
            f"{mirror} (METHANEMAP_DATA_MIRROR) must hold it, or unset the mirror to "
            f"download it from {entry.url}"
        )
    _verify(entry, path)
    return path


def _verify(entry: Input, path: Path) -> None:
    """Raise CorruptInputError unless `path` hashes to the registered checksum."""
    actual = file_sha256(path)
    if actual != entry.sha256:
        raise CorruptInputError(
            f"input {entry.name!r} at {path} has sha256 {actual}, expected "
            f"{entry.sha256}; the file is corrupt or a different version: replace it "
            f"with the file from {entry.url}"
        )


def file_sha256(path: Path) -> str:
    """SHA-256 of a local file (cached while its size and mtime stay the same)."""
    return _sha256(path, path.stat().st_mtime_ns, path.stat().st_size)


@cache
def _sha256(path: Path, mtime_ns: int, size: int) -> str:
    # mtime and size key the cache so that a file replaced in place is hashed again.
    return str(pooch.file_hash(str(path), alg="sha256"))


def _download(entry: Input) -> Path:
    """Download `entry` into the cache (once) and verify it."""
    try:
        return _retrieve(entry)
    except (OSError, ValueError, requests.RequestException) as exc:
        if isinstance(exc, CorruptInputError):
            raise
        raise MissingInputError(
            f"input {entry.name!r} could not be downloaded from {entry.url}: {exc}; "
            "set METHANEMAP_DATA_MIRROR to a directory holding the inputs"
        ) from None


def _retrieve(entry: Input) -> Path:
    cache_dir = get_settings().data_cache
    log.info("downloading input %s from %s", entry.name, entry.url)
    if not entry.member:
        fname = Path(entry.path).name
        got = pooch.retrieve(
            entry.url, known_hash=f"sha256:{entry.sha256}", fname=fname, path=cache_dir
        )
        return Path(got)

    archive = Path(pooch.retrieve(entry.url, known_hash=None, path=cache_dir))
    target = cache_dir / entry.member
    with zipfile.ZipFile(archive) as zf:
        target.write_bytes(zf.read(entry.member))
    _verify(entry, target)
    return target
