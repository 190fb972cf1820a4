"""HTTP caching of answers that depend only on the cube version and the request: ETags,
the ``If-None-Match`` check that lets a browser reuse what it already has, and
``Cache-Control``: an answer for a named version never changes, so any cache may keep it
forever; an answer for the latest version is kept only a short while.
"""

import hashlib

#: A year, the longest max-age caches are asked to honour (RFC 9111 section 5.2.2.1).
FOREVER_S = 31_536_000


def etag_for(*parts: str) -> str:
    """A strong ETag naming `parts` (the cube version first, then the request)."""
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=12).hexdigest()
    return f'"{digest}"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names `etag` (weakly, as RFC 9110 asks)."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    tags = (tag.strip().removeprefix("W/") for tag in if_none_match.split(","))
    return etag in tags


def cache_headers(
    etag: str, max_age: int, *, versioned: bool = False
) -> dict[str, str]:
    """Headers that let any cache keep an answer `max_age` seconds, then revalidate.

    A `versioned` answer (the request named its cube version) is kept a year and
    marked immutable, so a CDN never asks again.
    """
    if versioned:
        forever = f"public, max-age={FOREVER_S}, immutable"
        return {"ETag": etag, "Cache-Control": forever}
    return {"ETag": etag, "Cache-Control": f"public, max-age={max_age}"}
