#!/usr/bin/env bash
# Build every package's wheel with hatch into dist/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$root/dist"
for p in core standard-tests partners/*/; do
  [ -f "$root/$p/pyproject.toml" ] || continue
  (cd "$root/$p" && "$root/.venv/bin/hatch" build -t wheel "$root/dist" >/dev/null)
  echo "wheels: built ${p%/}"
done
