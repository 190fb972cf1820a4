"""Fixtures for the readers: registered real files, read with their warnings kept."""

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from methanemap.errors import InputQuirkWarning
from methanemap.sources.registry import fetch


@dataclass(frozen=True)
class Read:
    """What a reader returned, and the quirk warnings it gave on the way."""

    frame: Any
    warnings: list[str]

    def warned(self, *words: str) -> bool:
        """Whether one warning holds all `words`."""
        return any(all(word in message for word in words) for message in self.warnings)


def read_with_warnings(reader: Callable[[Path], Any], name: str) -> Read:
    """Run `reader` on the registered input `name`, keeping its quirk warnings."""
    path = fetch(name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = reader(path)
    messages = [str(w.message) for w in caught if w.category is InputQuirkWarning]
    return Read(frame=frame, warnings=messages)


@pytest.fixture(scope="session")
def registered(data_mirror: Path) -> Callable[[str], Path]:
    """Local path of a registered input, verified against its checksum."""
    return fetch
