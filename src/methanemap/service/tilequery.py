"""The query parameters of every tile route: what a layer draws and how, in one model.

Tiles, TileJSON, legends and OGC API tiles take the same parameters, so a URL that works
for one works for all. Values are checked by `methanemap.serve` (which names the allowed
values in its messages); here only types, lengths and finiteness.
"""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Query
from pydantic import BaseModel, Field

from methanemap.serve.tiles import TileOptions


class TileQuery(BaseModel):
    """What a tile layer draws (sector, period, quantity) and how (colours, size)."""

    sector: str = Field("total", max_length=16, description="coal, oil, gas or total.")
    period: str | None = Field(
        None,
        max_length=32,
        description="Period id like 2022-P05, or an ISO date inside the period; the "
        "latest period when absent.",
    )
    quantity: str = Field(
        "emission",
        max_length=16,
        description="emission: t CH4 per full-resolution cell per period; flux: "
        "t km-2 yr-1 (mass over cell area, so small polar cells are not pale).",
    )
    colormap: str = Field(
        "viridis", max_length=64, description="A colormap name of the cmap catalogue."
    )
    scale: str = Field(
        "log", max_length=16, description="log or linear mapping of values to colours."
    )
    vmin: float | None = Field(
        None,
        allow_inf_nan=False,
        description="Value at the low end of the colormap, in the quantity's units; "
        "default: 0 on the linear scale; on the log scale the 1st percentile of the "
        "latest period's non-zero cells, at most a thousandth of vmax.",
    )
    vmax: float | None = Field(
        None,
        allow_inf_nan=False,
        description="Value at the high end of the colormap; default: the 99.5th "
        "percentile of the latest period's non-zero cells.",
    )
    under: str | None = Field(
        None,
        max_length=32,
        description="CSS colour of values below vmin (#rrggbb, #rrggbbaa, a name or "
        "transparent); default: the colormap's low end.",
    )
    over: str | None = Field(
        None,
        max_length=32,
        description="CSS colour of values above vmax; default: the colormap's high "
        "end.",
    )
    tile_size: int = Field(
        256, ge=1, le=4096, description="Tile width and height in pixels: 256 or 512."
    )

    def options(self) -> TileOptions:
        """The drawing options as `methanemap.serve.tiles` takes them."""
        return {
            "sector": self.sector,
            "period": self.period,
            "quantity": self.quantity,
            "colormap": self.colormap,
            "scale": self.scale,
            "vmin": self.vmin,
            "vmax": self.vmax,
            "under": self.under,
            "over": self.over,
        }

    def to_url_query(self, **pinned: str) -> str:
        """The query string of the parameters given explicitly, with `pinned` set."""
        given = self.model_dump(exclude_unset=True, exclude_none=True)
        given.update(pinned)
        return urlencode({key: str(value) for key, value in given.items()})


TileQueryDep = Annotated[TileQuery, Query()]
