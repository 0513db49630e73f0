# One image for every process: web (gunicorn), worker (celery worker) and beat (celery beat).
# docker-compose.yml picks the process with `command`; the default is the web server.
FROM python:3.11-slim-bookworm

# PYTHONPATH=/app: import the project from /app (not from site-packages) so BASE_DIR is /app and the
# top-level templates/ and static/ folders are found, whichever program (manage.py, gunicorn, celery) starts.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app

# Pango for WeasyPrint's PDF rendering, a base font, curl for the web health check,
# procps (pgrep) for the beat health check.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        fonts-dejavu-core \
        curl \
        procps \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system app \
    && useradd --system --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first, from pyproject.toml alone, so editing the code does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project'].get('dependencies', [])))" \
        > /tmp/requirements.txt \
    && if [ -s /tmp/requirements.txt ]; then pip install -r /tmp/requirements.txt; fi \
    && rm /tmp/requirements.txt

# Then the project itself.
COPY . .
RUN pip install . \
    && rm -rf build *.egg-info

# Hashed, compressed static files for whitenoise. APP_ENV=build needs no secrets, database or Redis.
RUN APP_ENV=build python manage.py collectstatic --noinput

# Private uploads live on a volume mounted here; owning the folder in the image means a new named
# volume starts out owned by `app` too.
RUN mkdir -p /data/private \
    && chown -R app:app /data

USER app

EXPOSE 8000

# Bind address, workers, request limits and forwarded-header trust: gunicorn.conf.py.
CMD ["gunicorn", "-c", "gunicorn.conf.py", "apcommission.wsgi:application"]
