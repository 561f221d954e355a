# The geometry service: gunicorn + a pool of OCCT worker processes.
FROM python:3.11-slim-bookworm

# OCP (cadquery-ocp-novtk) links to the system libGL and libX11.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgl1 libx11-6 libxrender1 libxext6 curl \
 && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PORT=8080 \
    PRODUCTION=true \
    DLQ_SPOOL_PATH=/app/var/dlq_spool.sqlite3 \
    DLQ_SQLITE_PATH=/app/var/dlq.sqlite3

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY gunicorn.conf.py ./
COPY geometry_service ./geometry_service
COPY migrations ./migrations
COPY models ./models

RUN useradd --system --uid 10001 --home /app geometry \
 && mkdir -p /app/var && chown geometry /app/var
USER geometry

EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${PORT}/health" || exit 1

CMD ["gunicorn", "--config", "gunicorn.conf.py", "geometry_service.app:create_app()"]
