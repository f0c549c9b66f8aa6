# newswatch as a service: `docker build -t newswatch .` then
#   docker run -v "$PWD/config.yaml:/config/config.yaml:ro" -v newswatch-data:/data newswatch
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    NEWSWATCH_CONFIG=/config/config.yaml

WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin newswatch \
    && mkdir -p /data /config \
    && chown newswatch /data

USER newswatch
WORKDIR /data
VOLUME ["/data"]

# the database path in config.yaml is relative to the config file: use an absolute
# path such as /data/newswatch.db there
HEALTHCHECK --interval=60s --timeout=10s --start-period=20s \
    CMD ["newswatch", "sources"]

STOPSIGNAL SIGTERM
ENTRYPOINT ["newswatch"]
CMD ["run"]
