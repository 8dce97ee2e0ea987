#!/usr/bin/env bash
# Installs the real Renovate from the npm registry into a cache folder outside the repository
# (about 400 MB), once: a rerun finds it and returns at once. The tests that drive Renovate
# (tests/test_renovate_real.py) find it through FLUX_SETUP_RENOVATE, which .ci/run exports.
# The 39 series is the newest that runs on Node 20 (Renovate 44 needs Node 24).
set -euo pipefail
version="${RENOVATE_VERSION:-39.264.1}"
cache="${FLUX_SETUP_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/flux-setup-ci}"
prefix="$cache/renovate-$version"
bin="$prefix/node_modules/.bin/renovate"
if [ ! -x "$bin" ]; then
  command -v npm >/dev/null || { echo "install-renovate: npm is not installed (Node 20 with npm is needed)" >&2; exit 1; }
  mkdir -p "$prefix"
  # A partial install from an interrupted run must not pass for a complete one: install into a
  # fresh folder and move it into place only when npm succeeded.
  tmp="$(mktemp -d "$cache/.renovate-install.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  npm install --prefix "$tmp" --no-audit --no-fund --loglevel=error "renovate@$version" >&2
  rm -rf "$prefix"
  mv "$tmp" "$prefix"
  trap - EXIT
fi
echo "$bin"
