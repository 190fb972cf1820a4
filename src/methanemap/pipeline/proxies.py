"""Proxy points per sector: where, within a country, each sector emits.

coal
    Three quarters Climate TRACE mine-level CH4 (2021), one quarter operating GEM coal
    mines weighted by production, else capacity (Mt a-1): Climate TRACE estimates
    each mine's methane, GEM lists more mines (1,797 operating in China against 1,142).
oil
    Half GEM oil and gas fields weighted by oil production (million bbl a-1), half
    VIIRS upstream flares weighted by flared volume (bcm, 2017): venting and flaring
    concentrate where associated gas is flared.
gas_production
    GEM oil and gas fields weighted by gas production (million m3 a-1).
gas_transport
    Operating GEM gas pipelines (length x capacity per cell, 80 %) and operating LNG
    terminals (capacity, 20 %); see `methanemap.pipeline.pipelines`.

A field or flare of a joint area (two countries) counts half for each. Within a unit
each source is normalised first, then weighted by its share in `BLENDS`; a source with
no point in the unit leaves its share to the others.
"""

import logging

import pandas as pd

log = logging.getLogger(__name__)

POINT_COLUMNS = ["iso3", "lon", "lat", "weight", "source"]

FIELDS = "gem_oil_gas_fields"
FLARES = "viirs_flares_2017"
PIPELINES = "gem_gas_infrastructure:pipelines"
LNG = "gem_gas_infrastructure:lng"
CT_MINES = "climatetrace_coal_assets"
GEM_MINES = "gem_coal_mines"
BLENDS: dict[str, dict[str, float]] = {
    "coal": {CT_MINES: 0.75, GEM_MINES: 0.25},
    "oil": {FIELDS: 0.5, FLARES: 0.5},
    "gas_transport": {PIPELINES: 0.8, LNG: 0.2},
}


def coal_points(ct_assets: pd.DataFrame, gem_mines: pd.DataFrame) -> pd.DataFrame:
    """Coal proxy points of both sources (see the module notes and `BLENDS`)."""
    ct = ct_assets[ct_assets["emission_t"] > 0]
    operating = gem_mines[gem_mines["status"] == "operating"]
    output = operating["production_mt"].fillna(operating["capacity_mtpa"])
    operating = operating.assign(output=output)[output > 0]
    log.info(
        "coal proxies: %d Climate TRACE mines, %d operating GEM mines",
        len(ct),
        len(operating),
    )
    return pd.concat(
        [
            _points(ct, ct["emission_t"], CT_MINES),
            _points(operating, operating["output"], GEM_MINES),
        ],
        ignore_index=True,
    )


def field_points(fields: pd.DataFrame, column: str, source: str) -> pd.DataFrame:
    """Oil or gas proxy points from fields, weighted by `column`; joint areas split."""
    producing = fields[fields[column] > 0]
    exploded = producing.assign(iso3=producing["countries"]).explode("iso3")
    share = 1 / producing["countries"].map(len)
    weight = exploded[column] * share.reindex(exploded.index)
    return _points(exploded, weight, source)


def flare_points(flares: pd.DataFrame) -> pd.DataFrame:
    """Upstream flares weighted by flared volume (bcm); joint areas split."""
    upstream = flares[(flares["kind"] == "upstream") & (flares["volume_bcm"] > 0)]
    exploded = upstream.assign(iso3=upstream["countries"]).explode("iso3")
    share = 1 / upstream["countries"].map(len).reindex(exploded.index)
    return _points(exploded, exploded["volume_bcm"] * share, FLARES)


def _points(frame: pd.DataFrame, weight: pd.Series, source: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "iso3": frame["iso3"].to_numpy(),
            "lon": frame["lon"].to_numpy(float),
            "lat": frame["lat"].to_numpy(float),
            "weight": weight.to_numpy(float),
            "source": source,
        }
    )[POINT_COLUMNS]
