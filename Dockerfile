# newswatch as a service: `docker build -t newswatch .` then
#   docker run -v "$PWD/config.yaml:/config/config.yaml:ro" -v newswatch-data:/data newswatch
# Point `database:` at /data/newswatch.db in that configuration (a relative path is relative
# to the config file, which is read-only here).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    NEWSWATCH_CONFIG=/config/config.yaml \
    NEWSWATCH_LOG_FORMAT=json

WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin newswatch \
    && mkdir -p /data /config \
    && chown 10001 /data

# numeric, so the runtime can tell it is not root without reading /etc/passwd
USER 10001
WORKDIR /data
VOLUME ["/data"]

# metrics and /health for Prometheus; bind inside the container, publish with -p 9108:9108
EXPOSE 9108

# healthy = the database answers and no due check has waited more than 5 minutes
HEALTHCHECK --interval=60s --timeout=10s --start-period=30s --retries=3 \
    CMD ["newswatch", "health", "--max-lag", "5m"]

STOPSIGNAL SIGTERM
ENTRYPOINT ["newswatch"]
CMD ["run", "--metrics", "0.0.0.0:9108"]
