"""The HTTP face of methanemap: a thin FastAPI adapter over `methanemap.serve`.

It parses requests, calls the serve functions and maps errors to statuses; it is the
only part of methanemap that imports FastAPI. Start it with
``uvicorn methanemap.service.app:create_app --factory``.
"""
