# syntax=docker/dockerfile:1
# vrhub's container image, built from the release files, so that it holds exactly what the
# deployment guide installs: the wheel (with its compiled front-end assets) and the
# runtime subset of requirements.lock, pins and hashes. From the repository root:
#
#   ./scripts/build-release                 # writes dist/vrhub-VERSION-*.whl and -requirements.txt
#   docker build -t vrhub:VERSION .
#
# It runs as the unprivileged user vrhub (uid 10001) and writes only to its workspace,
# /var/lib/vrhub (a volume): run it with a read-only root file system (deploy/compose.yaml
# does). The entrypoint waits for the database, upgrades the schemas when VRHUB_UPGRADE=1,
# then serves; `docker run IMAGE users list` runs any other vrhub command.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY dist/ /tmp/dist/
# --require-hashes installs nothing the lock does not pin by hash; the wheel comes alone.
# pip compiles bytecode as it installs; compileall makes sure of every module, because
# the image's file system is read-only when it runs.
RUN python -m venv /opt/vrhub \
 && /opt/vrhub/bin/pip install --require-hashes -r /tmp/dist/vrhub-*-requirements.txt \
 && /opt/vrhub/bin/pip install --no-deps /tmp/dist/vrhub-*-py3-none-any.whl \
 && /opt/vrhub/bin/python -m compileall -q -j 0 /opt/vrhub \
 && /opt/vrhub/bin/vrhub --version

FROM ${PYTHON_IMAGE}
# WeasyPrint (PDF reports) draws text with Pango and HarfBuzz
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
    libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 vrhub \
 && useradd --system --uid 10001 --gid vrhub --home-dir /var/lib/vrhub \
    --shell /usr/sbin/nologin vrhub \
 && install -d -o vrhub -g vrhub -m 0750 /var/lib/vrhub
COPY --from=build /opt/vrhub /opt/vrhub
COPY --chmod=0755 deploy/entrypoint.sh /usr/local/bin/vrhub-entrypoint
ENV PATH=/opt/vrhub/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VRHUB_HOME=/var/lib/vrhub \
    VRHUB_ENVIRONMENT=production \
    VRHUB_HOST=0.0.0.0 \
    VRHUB_PORT=8000
USER 10001:10001
WORKDIR /var/lib/vrhub
VOLUME ["/var/lib/vrhub"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=8)"]
ENTRYPOINT ["vrhub-entrypoint"]
CMD ["serve"]
