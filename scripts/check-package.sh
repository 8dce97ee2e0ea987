#!/usr/bin/env bash
# Packaging as users meet it: `python -m build` makes a wheel and an sdist; each installs into a
# fresh virtual environment outside the repository and runs `flux-setup demo` (no key, no
# network); `pipx install .` installs the command in its own environment. Run by .ci/run.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"  # never inside the repository: nothing may be imported from the source tree

python -m build --outdir "$work/dist" "$repo" > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
wheel=("$work"/dist/*.whl)
sdist=("$work"/dist/*.tar.gz)

smoke() {  # $1: a venv's bin folder
  "$1/flux-setup" --version
  "$1/flux-setup" demo --no-input > "$work/demo.log" 2>&1 || { cat "$work/demo.log"; exit 1; }
  grep -q "Removed the throw-away project" "$work/demo.log"
  "$1/python" -c "import importlib.resources as r; assert r.files('wizard').joinpath('schema/output.schema.json').is_file()"
}

for artifact in "${wheel[0]}" "${sdist[0]}"; do
  echo "-- $(basename "$artifact")"
  rm -rf "$work/venv"
  python -m venv "$work/venv"
  "$work/venv/bin/python" -m pip install --quiet "$artifact" > "$work/pip.log" 2>&1 || { cat "$work/pip.log"; exit 1; }
  smoke "$work/venv/bin"
done

echo "-- pipx install ."
export PIPX_HOME="$work/pipx" PIPX_BIN_DIR="$work/pipx-bin" PIPX_MAN_DIR="$work/pipx-man"
python -m pipx install --quiet "$repo" > "$work/pipx.log" 2>&1 || { cat "$work/pipx.log"; exit 1; }
"$PIPX_BIN_DIR/flux-setup" demo --no-input > "$work/demo.log" 2>&1 || { cat "$work/demo.log"; exit 1; }
echo "packaging: wheel, sdist and pipx install all run flux-setup demo"
