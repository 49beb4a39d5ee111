#!/usr/bin/env bash
# Run every benchmark in bench/ against the reference libraries, then regenerate
# docs/performance.md from bench/results/*.json.
#
#   bash scripts/bench.sh                 # everything, full mode (what `make bench` runs)
#   bash scripts/bench.sh --quick         # few repeats; results in bench/results/*.quick.json
#   bash scripts/bench.sh merge overhead  # only these cases (docs are still regenerated)
#
# The reference libraries live in a separate venv, .bench-venv (git-ignored), created and
# updated idempotently: a stamp records a hash of bench/requirements.txt and of every
# pyproject.toml of the repo, whose packages are installed editable there too. A library that
# fails to install is reported as missing by the scripts, not hidden.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.bench-venv
PY=$VENV/bin/python
UV=.venv/bin/uv
STAMP=$VENV/.bench-installed
CASES_ALL=(import_time cold_start overhead merge http_openai http_anthropic concurrency rss alloc)

# Reference caveat 1: proxy variables change ChatOpenAI's code path. Imports must use bytecode.
unset http_proxy https_proxy all_proxy no_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY NO_PROXY
unset PYTHONDONTWRITEBYTECODE

flags=()
cases=()
for arg in "$@"; do
  case "$arg" in
    -*) flags+=("$arg") ;;
    *) cases+=("$arg") ;;
  esac
done
[ ${#cases[@]} -eq 0 ] && cases=("${CASES_ALL[@]}")
quick=0
for f in "${flags[@]+"${flags[@]}"}"; do [ "$f" = "--quick" ] && quick=1; done

# ---------------------------------------------------------------- the bench venv
packages=(core standard-tests)
for d in partners/*/; do
  [ -f "$d/pyproject.toml" ] && packages+=("${d%/}")
done
hash=$(cat bench/requirements.txt "${packages[@]/%//pyproject.toml}" | sha256sum | cut -d' ' -f1)
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$hash" ]; then
  if [ ! -x "$PY" ]; then
    base=$(.venv/bin/python -c 'import sys; print(sys._base_executable)')
    echo "bench: creating $VENV ($base)"
    "$UV" venv --quiet --python "$base" "$VENV"
  fi
  echo "bench: installing the reference libraries into $VENV"
  if ! "$UV" pip install --quiet --compile-bytecode --python "$PY" -r bench/requirements.txt; then
    # One at a time, so one broken library does not take the others down.
    grep -v '^#' bench/requirements.txt | while read -r req; do
      [ -z "$req" ] && continue
      "$UV" pip install --quiet --compile-bytecode --python "$PY" "$req" \
        || echo "bench: WARNING: $req failed to install; its contenders will be reported missing"
    done
  fi
  for p in "${packages[@]}"; do
    "$UV" pip install --quiet --python "$PY" -e "$p" \
      || echo "bench: WARNING: $p failed to install; its contenders will be reported missing"
  done
  echo "$hash" > "$STAMP"
fi

# ---------------------------------------------------------------- the cases
load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)
echo "bench: load average $load on $(nproc) CPUs (other work on the machine makes the figures noisy)"
failed=()
t_all=$SECONDS
child=
SETSID=$(command -v setsid || true)
# Each case runs in its own session so that it can raise its own scheduling group's priority
# (see bench/_common.py, raise_priority) without touching anything else on the machine.
# Ctrl-C or a TERM stops the running case by its PID.
trap '[ -n "$child" ] && kill -TERM "$child" 2>/dev/null; exit 130' INT TERM
for c in "${cases[@]}"; do
  t0=$SECONDS
  echo
  echo "=== bench/$c.py ${flags[*]+"${flags[*]}"}"
  $SETSID "$PY" "bench/$c.py" "${flags[@]+"${flags[@]}"}" &
  child=$!
  if ! wait "$child"; then
    failed+=("$c")
  fi
  child=
  echo "=== $c: $((SECONDS - t0)) s"
done
echo
echo "bench: all cases took $((SECONDS - t_all)) s"

if [ "$quick" -eq 0 ]; then
  "$PY" scripts/perf_table.py
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "bench: FAILED: ${failed[*]}" >&2
  exit 1
fi
