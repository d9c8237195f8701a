# PostgreSQL for scripts/test-compose, built from the local Debian base (no registry here) with Debian's `postgresql`,
# standing in for compose.yaml's `postgres` image the way that image behaves: POSTGRES_USER, POSTGRES_DB and
# POSTGRES_PASSWORD create the role and database on first start; data in /var/lib/postgresql/data; pg_isready on PATH.
ARG BASE_IMAGE=imagegen-test/bookworm:base
# hadolint ignore=DL3006
FROM ${BASE_IMAGE}
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 \
    && rm -rf /var/lib/apt/lists/*
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint.sh
EXPOSE 5432
ENTRYPOINT ["/bin/sh", "/usr/local/bin/postgres-entrypoint.sh"]
