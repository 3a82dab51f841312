# Journeymap: one image for the web server (uvicorn) and the one-shot `migrate` job.
# docker-compose.yml runs it with PostgreSQL and Redis; docs/deploying.md explains the rest.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# WeasyPrint (the summary's PDF) draws text with Pango; Noto CJK sets Chinese text.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
       fonts-noto-core fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so a code change does not reinstall them.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .

# Hashed, compressed static files for WhiteNoise. The key only satisfies the settings
# (DEBUG off requires one); it is never used to sign anything and is not in the final env.
RUN DEBUG=0 SECRET_KEY=build-time-only-not-a-secret python manage.py collectstatic --noinput

# The code stays root-owned and read-only to the process that serves it.
RUN useradd --system --uid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin journeymap
USER journeymap

EXPOSE 8000
# The same command as docker-compose.yml's `web` (docs/decisions.md, "The ASGI server").
CMD ["uvicorn", "journeymap.asgi:application", "--host=0.0.0.0", "--port=8000", "--loop=uvloop", "--http=httptools", "--ws=websockets-sansio", "--lifespan=off", "--proxy-headers", "--forwarded-allow-ips=*"]
