"""Where an answer comes from: the cube version and the inputs, recipe and code that
made it, read from the cube's own attributes. Every query answer carries it.
"""

import json
from functools import lru_cache
from typing import Any, TypedDict

from methanemap.store import CubeSnapshot


class InputEntry(TypedDict):
    """One input of the cube: its public source and its checksum."""

    sha256: str
    url: str | None


class Provenance(TypedDict):
    """The cube version an answer was read from and what that version was made of."""

    version: str
    product_version: str | None
    date_created: str | None
    recipe: str | None
    inputs: dict[str, InputEntry]
    activity_vintages: dict[str, str]


def provenance(snapshot: CubeSnapshot) -> Provenance:
    """The provenance of a cube version (read once per version)."""
    attrs = snapshot.ds.attrs
    return _provenance(
        snapshot.version,
        str(attrs.get("methanemap_version", attrs.get("product_version", ""))),
        str(attrs.get("date_created", "")),
        str(attrs.get("methanemap_recipe", "")),
        str(attrs.get("methanemap_inputs", "")),
        str(attrs.get("methanemap_activity_vintages", "")),
    )


@lru_cache(maxsize=16)
def _provenance(
    version: str,
    product_version: str,
    created: str,
    recipe: str,
    inputs: str,
    vintages: str,
) -> Provenance:
    named = _json(inputs)
    return {
        "version": version,
        "product_version": product_version or None,
        "date_created": created or None,
        "recipe": _json(recipe).get("name") or None,
        "inputs": {
            name: {"sha256": str(entry.get("sha256", "")), "url": entry.get("url")}
            for name, entry in named.items()
            if isinstance(entry, dict)
        },
        "activity_vintages": {k: str(v) for k, v in _json(vintages).items()},
    }


def _json(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def csv_preamble(source: Provenance) -> str:
    """Comment lines (``# ...``) naming the version and inputs, to open a CSV answer."""
    lines = [
        f"# methanemap cube version {source['version']}",
        f"# product version {source['product_version']}, recipe {source['recipe']}, "
        f"created {source['date_created']}",
    ]
    lines += [
        f"# input {name} sha256 {entry['sha256']}"
        for name, entry in source["inputs"].items()
    ]
    return "\n".join(lines) + "\n"
