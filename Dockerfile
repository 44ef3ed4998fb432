# One image for every pilewatch service; docker-compose.yml picks the subcommand.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY . /src
RUN pip install /src \
    && useradd --system --uid 10001 --home-dir /var/lib/pilewatch pilewatch \
    && mkdir -p /var/lib/pilewatch /var/lib/pilewatch-witness \
    && chown pilewatch:pilewatch /var/lib/pilewatch /var/lib/pilewatch-witness

USER pilewatch
WORKDIR /var/lib/pilewatch
ENV PILEWATCH_STATE_DIR=/var/lib/pilewatch

ENTRYPOINT ["pilewatch"]
CMD ["--help"]
