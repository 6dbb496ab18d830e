#!/usr/bin/env bash
# Runs every test file alone (its own Vitest process, its own database), in a random order of the
# tests inside it, to show that no file needs another file or its data. Slow (a global setup per
# file), so not part of .ci/run. Usage: scripts/each-file-alone.sh [file ...]
# The database is chosen as for the suite: TEST_DATABASE_URL, or TEST_DATABASE=pglite.
set -uo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  -h|--help) sed -n '2,5s/^# \{0,1\}//p' "$0"; exit 0 ;;
esac
for argument in "$@"; do
  case "$argument" in
    -*) echo "each-file-alone: unknown option '$argument' (see: scripts/each-file-alone.sh --help)" >&2; exit 64 ;;
  esac
  [ -f "$argument" ] || { echo "each-file-alone: no test file $argument (see: scripts/each-file-alone.sh --help)" >&2; exit 64; }
done
if [ $# -gt 0 ]; then files=("$@"); else mapfile -t files < <(git ls-files 'src/*.test.ts' 'test/*.test.ts' | grep -v '\.scan\.test\.ts$'); fi
started=$(date +%s)
passed=0
failed=()
for file in "${files[@]}"; do
  log=$(mktemp)
  if npx vitest run "$file" > "$log" 2>&1; then
    passed=$((passed + 1))
    echo "ok    $file"
  else
    failed+=("$file")
    echo "FAIL  $file ($(grep -ao 'seed [0-9]*' "$log" | head -1))"
    tail -40 "$log"
  fi
  rm -f "$log"
done
echo "files passing alone: ${passed} of ${#files[@]} in $(( $(date +%s) - started )) s"
[ ${#failed[@]} -eq 0 ] || { printf 'failed alone: %s\n' "${failed[@]}"; exit 1; }
