# methanemap service image: the API, the tiles and the map page, serving a cube kept on a
# mounted volume (METHANEMAP_STORE=/data/cube) or on object storage (s3://...).
#
#   docker build -t methanemap .
#   docker run -p 8000:8000 -v "$PWD/data:/data" methanemap
#   docker run -p 8000:8000 -e METHANEMAP_STORE=s3://bucket/cube \
#       -e AWS_ACCESS_KEY_ID=... -e AWS_SECRET_ACCESS_KEY=... -e AWS_REGION=... methanemap
#   docker run -v "$PWD/data:/data" -v "$PWD/../shared/data:/inputs:ro" \
#       -e METHANEMAP_DATA_MIRROR=/inputs methanemap methanemap update   # build or update

# --- the web map's JavaScript, from the npm registry ---------------------------------
FROM node:20-slim AS web
WORKDIR /web
COPY api/web/package.json api/web/package-lock.json ./
RUN npm ci --no-audit --no-fund --omit=dev
COPY api/web/ ./

# --- the Python package and its dependencies, in a virtual environment --------------
FROM python:3.12-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --upgrade pip uv
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src/ src/
RUN /opt/venv/bin/uv pip install --python /opt/venv/bin/python ".[deploy]"

# --- the runtime: slim, non-root ------------------------------------------------------
FROM python:3.12-slim
RUN useradd --system --uid 10001 --home /app methanemap \
    && mkdir -p /data /app && chown methanemap /data
COPY --from=build /opt/venv /opt/venv
COPY --from=web /web /app/web
COPY api/gunicorn.conf.py /app/gunicorn.conf.py
COPY ingest/ /app/ingest/
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    METHANEMAP_STORE=/data/cube \
    METHANEMAP_WEB_DIR=/app/web \
    METHANEMAP_HOST=0.0.0.0 \
    METHANEMAP_PORT=8000 \
    METHANEMAP_LOG_FORMAT=json
WORKDIR /app
USER methanemap
EXPOSE 8000
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ['METHANEMAP_PORT']}/healthz\", timeout=4)"]
CMD ["gunicorn", "-c", "/app/gunicorn.conf.py"]
