#!/usr/bin/env bash
# Create .venv and install every package of the repo editable plus the dev tools.
# Idempotent: a stamp file records a hash of every pyproject.toml; when nothing
# changed, this returns at once.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=.venv
STAMP=$VENV/.linguafranca-installed

packages=(core standard-tests)
for d in partners/*/ docs/examples/*/; do
  [ -f "$d/pyproject.toml" ] && packages+=("${d%/}")
done

hash=$(cat pyproject.toml "${packages[@]/%//pyproject.toml}" | sha256sum | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$hash" ]; then
  exit 0
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "install: creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
if [ ! -x "$VENV/bin/uv" ]; then
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check uv
fi
editables=()
for p in "${packages[@]}"; do editables+=(-e "$p"); done
echo "install: ${packages[*]} (+ dev tools)"
"$VENV/bin/uv" pip install --quiet --python "$VENV/bin/python" "${editables[@]}" --group dev
echo "$hash" > "$STAMP"
