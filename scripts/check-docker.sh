#!/usr/bin/env bash
# Checks the Dockerfiles' structure offline (stages named, pinned base tags, non-root USER,
# ENTRYPOINT ["remit"], apt hygiene, COPY sources present): scripts/check-docker.mjs.
# With a Docker engine, build them for real: see cluster/docker/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
node scripts/check-docker.mjs .
