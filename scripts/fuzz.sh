#!/usr/bin/env bash
# Run every fuzz target (func FuzzX in any *_test.go) for a bounded time:
#   ./scripts/fuzz.sh            10 seconds per target
#   ./scripts/fuzz.sh 120        two minutes per target
#   ./scripts/fuzz.sh 30 FuzzLoad FuzzLint   only those targets
# Each target runs on its own (`go test -fuzz` takes one target at a time).
# A crasher is written to <pkg>/testdata/fuzz/<Target>/ by go test; commit
# it as a regression seed once the bug is fixed. The last line of each run
# (execs, new interesting inputs) is summed up at the end; set
# STEPSTONE_FUZZ_SUMMARY=FILE to also keep that table in a file.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
  PATH=/usr/local/go/bin:$PATH
fi

secs=${1:-10}
shift || true
if ! [[ $secs =~ ^[0-9]+$ ]] || ((secs == 0)); then
  echo "usage: $0 [SECONDS>0] [FuzzTarget...]" >&2
  exit 2
fi
only=" $* "

# Minimising a new input of a 30 KB seed config can take the whole default
# minute; a crasher is still written, only less minimised.
minimize=${STEPSTONE_FUZZ_MINIMIZE:-5s}

# pkg:Target pairs, from the source, so a new target is picked up without
# editing this script and nothing needs compiling to list them.
mapfile -t targets < <(
  grep -H -o '^func Fuzz[A-Za-z0-9_]*' --include='*_test.go' -r . |
    sed -E 's#^\./(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*)$#\1 \2#' | sort -u
)
if ((${#targets[@]} == 0)); then
  echo "no fuzz targets found" >&2
  exit 1
fi

summary=$(mktemp)
trap 'rm -f "$summary"' EXIT
printf '%-12s %-24s %-6s %12s %12s\n' package target result execs interesting >"$summary"
failed=0
for entry in "${targets[@]}"; do
  read -r pkg target <<<"$entry"
  if [[ $only != "  " && $only != *" $target "* ]]; then
    continue
  fi
  printf '\n==== fuzz %s %s for %ss ====\n' "$pkg" "$target" "$secs"
  log=$(mktemp)
  result=ok
  if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "${secs}s" -fuzzminimizetime "$minimize" "./$pkg/" 2>&1 | tee "$log"; then
    # go test's fuzzer can end a slow target (a large package fuzzes at a
    # few execs a second) with "context deadline exceeded" when the time
    # runs out mid-exec; that names no input and writes no crasher. Say so
    # and run the same target once more by count, which has no deadline.
    if grep -q '^    context deadline exceeded$' "$log" && ! grep -q 'Failing input written' "$log"; then
      printf '==== %s %s: the fuzz time ran out mid-exec (no crasher); again for 20 execs ====\n' "$pkg" "$target"
      if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime 20x -fuzzminimizetime "$minimize" "./$pkg/" 2>&1 | tee -a "$log"; then
        result=FAIL
        failed=1
      fi
    else
      result=FAIL
      failed=1
    fi
  fi
  # "fuzz: elapsed: 10s, execs: 123456 (12345/sec), new interesting: 7 (total: 89)"
  last=$(grep -E 'execs: [0-9]+' "$log" | tail -1 || true)
  execs=$(sed -E 's/.*execs: ([0-9]+).*/\1/' <<<"$last")
  interesting=$(sed -E 's/.*new interesting: ([0-9]+).*/\1/' <<<"$last")
  printf '%-12s %-24s %-6s %12s %12s\n' "$pkg" "$target" "$result" "${execs:-?}" "${interesting:-?}" >>"$summary"
  rm -f "$log"
done

printf '\n==== fuzz summary (%ss per target) ====\n' "$secs"
cat "$summary"
if [[ -n ${STEPSTONE_FUZZ_SUMMARY:-} ]]; then
  cp "$summary" "$STEPSTONE_FUZZ_SUMMARY"
fi
if ((failed)); then
  echo "a fuzz target failed: its crasher is under <pkg>/testdata/fuzz/; reproduce with go test -run '<Target>/<file>' ./<pkg>/" >&2
  exit 1
fi
