"""Settings for every part of methanemap, read from the environment or a `.env` file.

Each setting is an environment variable with the prefix ``METHANEMAP_``; for example
``METHANEMAP_DATA_MIRROR`` names the local mirror of the public inputs.
"""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Fewest characters of an admin token.
MIN_ADMIN_TOKEN = 16


class Settings(BaseSettings):
    """Settings of methanemap; see the README for each one and its default."""

    model_config = SettingsConfigDict(
        env_prefix="METHANEMAP_", env_file=".env", extra="ignore"
    )

    data_mirror: Path | None = Field(
        default=None,
        description="Local directory mirroring the public inputs (same layout as their "
        "catalogue); when unset, inputs are downloaded into `data_cache`.",
    )
    data_cache: Path = Field(
        default=Path.home() / ".cache" / "methanemap" / "inputs",
        description="Where downloaded inputs are kept.",
    )
    store: str = Field(
        default="data/cube",
        description="Location of the versioned cube: a local path or an object-store "
        "URL.",
    )
    scheduler: str | None = Field(
        default=None,
        description="Where `ingest` and `update` run their Dask tasks: `threads`, "
        "`local` (worker processes on this machine), a scheduler address "
        "(`tcp://host:8786`) or a cluster TOML file (`ingest/cluster/`); unset: "
        "threads.",
    )
    reload_interval: float = Field(
        default=5.0,
        ge=0,
        description="Seconds between the service's checks for a newly published cube "
        "version; 0 turns the checks off.",
    )
    host: str = Field(default="127.0.0.1", description="Address the service binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="Service port.")
    tile_cache_fields: int = Field(
        default=128,
        ge=0,
        description="Most 2-D fields (a variable in one period at one overview level) "
        "whose read chunks the tile and cell reader keeps per worker; 0 keeps none.",
    )
    worker_threads: int = Field(
        default=4,
        ge=1,
        le=256,
        description="Threads per service process that answer requests' CPU work "
        "(tiles, cells, areas); more only take turns at Python's interpreter lock, "
        "which lengthens every answer. Raise it when chunk reads wait on a slow store.",
    )
    tile_cache_mb: int = Field(
        default=512,
        ge=1,
        description="Most megabytes of decoded chunks the tile and cell reader keeps "
        "per worker; the least recently used fields go first.",
    )
    max_zoom: int = Field(
        default=12, ge=0, le=22, description="Highest tile zoom served."
    )
    tile_max_age: int = Field(
        default=300,
        ge=0,
        description="Seconds a browser or CDN may reuse a tile of the latest version "
        "before checking its ETag; tiles of a named version are kept for a year.",
    )
    max_polygon_vertices: int = Field(
        default=100_000,
        ge=4,
        description="Most vertices an area query's polygon may have (413 beyond).",
    )
    max_read_values: int = Field(
        default=50_000_000,
        ge=1,
        description="Most grid values (cells x periods) one query may read from the "
        "cube (413 beyond); totals from the attribution read no grid values.",
    )
    max_subset_bytes: int = Field(
        default=200_000_000,
        ge=1,
        description="Largest download subset, in bytes of uncompressed float32 values "
        "(413 beyond).",
    )
    max_coverage_values: int = Field(
        default=2_000_000,
        ge=1,
        description="Most values (cells x periods x parameters) in one CoverageJSON "
        "answer of the EDR routes (413 beyond).",
    )
    max_body_bytes: int = Field(
        default=20_000_000,
        ge=1,
        description="Largest request body (a GeoJSON polygon), in bytes (413 beyond).",
    )
    max_url_bytes: int = Field(
        default=8_192,
        ge=256,
        le=65_535,
        description="Longest request target (path and query string), in bytes (414 "
        "beyond; large geometries go in the body of POST /areas).",
    )
    max_header_bytes: int = Field(
        default=32_768,
        ge=1_024,
        description="Most bytes of request headers, names and values together (431 "
        "beyond).",
    )
    head_timeout: float = Field(
        default=10.0,
        gt=0,
        description="Seconds a client may take to send a request's line and headers, "
        "counted from its connection or its first byte (408 beyond).",
    )
    body_timeout: float = Field(
        default=60.0,
        gt=0,
        description="Seconds a client may take to send a request body once its "
        "headers are in (408 beyond).",
    )
    max_concurrent_queries: int = Field(
        default=4,
        ge=1,
        description="Area, country, ranking, subset and EDR queries one worker runs "
        "at once; more wait for a free slot.",
    )
    query_wait: float = Field(
        default=10.0,
        ge=0,
        description="Seconds a query waits for a free slot before it is answered 503 "
        "with Retry-After.",
    )
    cors_origins: str = Field(
        default="*",
        description="Origins whose browser scripts may read the answers, separated "
        "by commas; '*' for any (the data are public and read-only).",
    )
    admin_token: SecretStr | None = Field(
        default=None,
        description="Bearer token of the admin routes (POST /admin/reload); when "
        "unset, no admin route exists.",
    )
    web_dir: Path | None = Field(
        default=None,
        description="Directory of the web map page (index.html, app.js, node_modules); "
        "when unset, `api/web` of the source checkout the package runs from.",
    )

    @field_validator("admin_token", mode="after")
    @classmethod
    def _strong_token(cls, token: SecretStr | None) -> SecretStr | None:
        """An empty token means none; a short one is refused (guessable)."""
        if token is None or token.get_secret_value() == "":
            return None
        if len(token.get_secret_value()) < MIN_ADMIN_TOKEN:
            raise ValueError(
                f"METHANEMAP_ADMIN_TOKEN has {len(token.get_secret_value())} "
                f"characters; use at least {MIN_ADMIN_TOKEN}, e.g. from "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            )
        return token


@lru_cache
def get_settings() -> Settings:
    """The settings of this process, read once."""
    return Settings()
