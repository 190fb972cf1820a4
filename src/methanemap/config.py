"""Settings for every part of methanemap, read from the environment or a `.env` file.

Each setting is an environment variable with the prefix ``METHANEMAP_``; for example
``METHANEMAP_DATA_MIRROR`` names the local mirror of the public inputs.
"""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    reload_interval: float = Field(
        default=5.0,
        ge=0,
        description="Seconds between the service's checks for a newly published cube "
        "version; 0 turns the checks off.",
    )
    host: str = Field(default="127.0.0.1", description="Address the service binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="Service port.")
    tile_cache_fields: int = Field(
        default=16,
        ge=0,
        description="Number of decoded 2-D fields the tile server keeps.",
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
    web_dir: Path | None = Field(
        default=None,
        description="Directory of the web map page (index.html, app.js, node_modules); "
        "when unset, `api/web` of the source checkout the package runs from.",
    )


@lru_cache
def get_settings() -> Settings:
    """The settings of this process, read once."""
    return Settings()
