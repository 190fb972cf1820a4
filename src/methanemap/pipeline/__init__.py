"""The ingest pipeline: national totals on proxies -> annual patterns -> 8-day cube."""
