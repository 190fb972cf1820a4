"""Where a cube lives: an Icechunk repository on local disk or object storage.

The store setting is a local path or a URL: ``s3://bucket/prefix`` (S3 or any
S3-compatible server, configured by the standard AWS environment variables, see
`s3_settings`) or ``gs://bucket/prefix``. Failures to reach the store become one-line
`StoreError` messages naming the store and the problem.
"""

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import icechunk

from methanemap.errors import CubeNotFoundError, StoreError

BRANCH = "main"
#: Region signed for when an S3-compatible endpoint is named and no region is set; the
#: region such servers (MinIO, Ceph, moto) accept by default.
DEFAULT_ENDPOINT_REGION = "us-east-1"
#: AWS error codes meaning the server refused the request's credentials.
REFUSED_CODES = frozenset(
    {
        "AccessDenied",
        "AuthorizationHeaderMalformed",
        "ExpiredToken",
        "InvalidAccessKeyId",
        "InvalidToken",
        "SignatureDoesNotMatch",
    }
)
#: Words of a transport failure in the AWS SDK's messages (no answer from the server).
UNREACHABLE = ("dispatch failure", "connection refused", "dns error", "timed out")

#: The environment variables `s3_settings` reads.
_S3_VARIABLES = (
    "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_VIRTUAL_HOSTED_STYLE_REQUEST",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
)


_AWS_CODE = re.compile(rf"\b({'|'.join(sorted({*REFUSED_CODES, 'NoSuchBucket'}))})\b")


@dataclass(frozen=True)
class S3Settings:
    """How to reach an S3 (or S3-compatible) server, from the environment.

    Attributes
    ----------
    endpoint
        ``AWS_ENDPOINT_URL_S3`` or ``AWS_ENDPOINT_URL``; None for AWS itself.
    region
        ``AWS_REGION`` or ``AWS_DEFAULT_REGION``; ``us-east-1`` when an endpoint is
        named without one; None lets the AWS SDK find it (profile, instance).
    allow_http
        Whether the endpoint is plain ``http://`` (S3-compatible servers on a
        private network or loopback).
    path_style
        ``https://host/bucket/key`` rather than ``https://bucket.host/key``: on
        for a named endpoint unless ``AWS_VIRTUAL_HOSTED_STYLE_REQUEST=true``.
    access_key_id, secret_access_key, session_token
        ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``; when
        none are set the AWS SDK's own chain (profile, web identity, instance role)
        gives the credentials.
    """

    endpoint: str | None
    region: str | None
    allow_http: bool
    path_style: bool
    access_key_id: str | None
    secret_access_key: str | None
    session_token: str | None


def s3_settings(env: Mapping[str, str] | None = None) -> S3Settings:
    """The S3 settings of the environment `env` (the process's when None).

    Raises
    ------
    StoreError
        If only one of the access key id and the secret key is set.
    """
    env = os.environ if env is None else env
    value = {name: env.get(name) or None for name in _S3_VARIABLES}
    endpoint = value["AWS_ENDPOINT_URL_S3"] or value["AWS_ENDPOINT_URL"]
    key, secret = value["AWS_ACCESS_KEY_ID"], value["AWS_SECRET_ACCESS_KEY"]
    if (key is None) != (secret is None):
        missing = "AWS_SECRET_ACCESS_KEY" if secret is None else "AWS_ACCESS_KEY_ID"
        raise StoreError(
            f"{missing} is not set while its pair is; set both, or neither to use "
            "the AWS profile or instance credentials"
        )

    region = value["AWS_REGION"] or value["AWS_DEFAULT_REGION"]
    virtual = (value["AWS_VIRTUAL_HOSTED_STYLE_REQUEST"] or "").lower()
    return S3Settings(
        endpoint=endpoint,
        region=region or (DEFAULT_ENDPOINT_REGION if endpoint else None),
        allow_http=bool(endpoint and endpoint.lower().startswith("http://")),
        path_style=bool(endpoint) and virtual not in ("1", "true", "yes"),
        access_key_id=key,
        secret_access_key=secret,
        session_token=value["AWS_SESSION_TOKEN"] if key else None,
    )


def storage_for(location: str) -> icechunk.Storage:
    """The Icechunk storage object for a path or URL."""
    url = urlparse(location)
    if url.scheme in ("", "file"):
        return icechunk.local_filesystem_storage(str(Path(url.path).resolve()))
    if url.scheme == "s3":
        if not url.netloc:
            raise StoreError(
                f"store {location!r} names no bucket; write s3://bucket/prefix"
            )
        return _s3_storage(url.netloc, url.path.strip("/"), s3_settings())
    if url.scheme == "gs":
        prefix = url.path.lstrip("/")
        return icechunk.gcs_storage(bucket=url.netloc, prefix=prefix, from_env=True)
    raise StoreError(
        f"store {location!r} has scheme {url.scheme!r}; use a local path, s3:// or gs://"
    )


def _s3_storage(bucket: str, prefix: str, settings: S3Settings) -> icechunk.Storage:
    return icechunk.s3_storage(
        bucket=bucket,
        prefix=prefix,
        region=settings.region,
        endpoint_url=settings.endpoint,
        allow_http=settings.allow_http,
        force_path_style=settings.path_style,
        access_key_id=settings.access_key_id,
        secret_access_key=settings.secret_access_key,
        session_token=settings.session_token,
        from_env=settings.access_key_id is None,
    )


def open_repository(location: str) -> icechunk.Repository:
    """Open the existing repository at `location`.

    Raises
    ------
    CubeNotFoundError
        If there is no cube at `location` (on object storage: the bucket holds none
        under that prefix, or does not exist).
    StoreError
        If the object store cannot be reached or refuses the credentials.
    """
    storage = storage_for(location)
    if not _at(location, lambda: icechunk.Repository.exists(storage)):
        raise CubeNotFoundError(
            f"no methanemap cube at {location!r}{_missing_what(location)}; create "
            f"one with `methanemap ingest --store {location}`"
        )
    return _at(location, lambda: icechunk.Repository.open(storage))


def open_or_create_repository(location: str) -> icechunk.Repository:
    """Open the repository at `location`, creating an empty one if there is none.

    Raises
    ------
    CubeNotFoundError
        If the bucket of an object-store `location` does not exist.
    StoreError
        If the object store cannot be reached or refuses the credentials.
    """
    storage = storage_for(location)
    return _at(location, lambda: icechunk.Repository.open_or_create(storage))


def _missing_what(location: str) -> str:
    # A read cannot tell a missing bucket from an empty prefix: S3 answers both 404
    url = urlparse(location)
    if url.scheme in ("", "file"):
        return ""
    return f" (no cube under that prefix, or no bucket {url.netloc!r})"


def _at[T](location: str, call: Callable[[], T]) -> T:
    """The result of `call` on the store at `location`, Icechunk's errors (storage
    failures, a refused creation) turned into one-line `StoreError` messages."""
    try:
        return call()
    except icechunk.IcechunkError as exc:
        raise storage_error(location, exc) from exc


def storage_error(location: str, exc: Exception) -> StoreError:
    """A one-line error naming the store at `location` and what its storage said."""
    text = str(exc)
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    code = _aws_code(text)
    url = urlparse(location)
    if code == "NoSuchBucket":
        return CubeNotFoundError(
            f"store {location!r}: bucket {url.netloc!r} does not exist; create it "
            f"(aws s3 mb s3://{url.netloc}) or name another store"
        )
    if code in REFUSED_CODES:
        return StoreError(
            f"store {location!r}: the object store refused the credentials ({code}); "
            "check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) "
            "and the bucket's permissions"
        )
    if any(word in text.lower() for word in UNREACHABLE):
        endpoint = s3_settings().endpoint if url.scheme == "s3" else None
        return StoreError(
            f"store {location!r}: cannot reach the object store"
            f"{f' at {endpoint}' if endpoint else ''} ({_reason(text)}); check "
            "AWS_ENDPOINT_URL and the network"
        )
    return StoreError(f"store {location!r}: {first}")


def _aws_code(text: str) -> str | None:
    match = _AWS_CODE.search(text)
    return match.group(1) if match else None


def _reason(text: str) -> str:
    """The innermost cause of a transport error (``Connection refused``, ...)."""
    first = text.strip().splitlines()[0]
    causes = [part.strip() for part in first.split(":") if part.strip()]
    return re.sub(r"\s*\(os error \d+\)", "", causes[-1]) if causes else first
