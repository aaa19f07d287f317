#!/usr/bin/env bash
# Soak test of `stepstone serve`: 100 runs on one process, with the
# process's resident memory (VmRSS) and Go heap in use read at runs 1, 50
# and 100. It writes the figures into docs/benchmarks.md between the
# serve-soak markers and fails if RSS at run 100 exceeds run 50 by more
# than 20% (a leak grows with every run; the first runs warm caches).
#
#   scripts/serve-soak.sh [RUNS]    # default 100
#
# The configs are the bundled examples (configs/examples): their live
# checks dial ports where nothing listens, so each run is quick and
# exercises the whole pipeline (lint, probes, report, metrics).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${1:-100}
work=$(mktemp -d)
pid=""
cleanup() {
  if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

nice -n 19 go build -o "$work/stepstone" ./cmd/stepstone
"$work/stepstone" serve --listen 127.0.0.1:0 --interval 200ms --watch-interval 0 \
  --timeout 1s --deadline 5s configs/examples 2>"$work/log" &
pid=$!
addr=""
for _ in $(seq 300); do
  addr=$(sed -n 's/.*msg=listening addr=\([^ ]*\).*/\1/p' "$work/log" | head -1)
  [[ -n $addr ]] && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/log" >&2; exit 1; }
  sleep 0.1
done
[[ -n $addr ]] || { echo "serve-soak: serve did not start" >&2; cat "$work/log" >&2; exit 1; }

# finished prints the number of finished runs, from /metrics.
finished() {
  curl -sf "http://$addr/metrics" | awk '/^stepstone_runs_total/ {s += $NF} END {print s + 0}'
}
# sample prints "RSS_KiB heap_bytes goroutines" now.
sample() {
  local rss m
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
  m=$(curl -sf "http://$addr/metrics")
  echo "$rss $(awk '/^go_memstats_heap_inuse_bytes / {printf "%d", $2}' <<<"$m") $(awk '/^go_goroutines / {print $2}' <<<"$m")"
}

declare -A at
started=$(date +%s)
for mark in 1 $((runs / 2)) "$runs"; do
  while (( $(finished) < mark )); do
    kill -0 "$pid" 2>/dev/null || { echo "serve-soak: serve died" >&2; cat "$work/log" >&2; exit 1; }
    sleep 0.05
  done
  at[$mark]=$(sample)
  echo "run $mark: RSS $(cut -d' ' -f1 <<<"${at[$mark]}") KiB, heap in use $(cut -d' ' -f2 <<<"${at[$mark]}") bytes, $(cut -d' ' -f3 <<<"${at[$mark]}") goroutines"
done
took=$(( $(date +%s) - started ))
errors=$(grep -c 'result=error\|result=timeout' "$work/log" || true)

kib() { cut -d' ' -f1 <<<"${at[$1]}"; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
heapmib() { awk -v b="$(cut -d' ' -f2 <<<"${at[$1]}")" 'BEGIN {printf "%.1f", b / 1048576}'; }
gor() { cut -d' ' -f3 <<<"${at[$1]}"; }
mid=$((runs / 2))
table="<!-- serve-soak: begin (scripts/serve-soak.sh writes this) -->
Measured $(date -u +%Y-%m-%d) on $(nproc) shared cores, Go $(go env GOVERSION), $runs runs of
\`stepstone serve --interval 200ms\` on \`configs/examples\` in ${took}s ($errors runs with result error or timeout):

| run | RSS (MiB) | Go heap in use (MiB) | goroutines |
|---:|---:|---:|---:|
| 1 | $(mib "$(kib 1)") | $(heapmib 1) | $(gor 1) |
| $mid | $(mib "$(kib "$mid")") | $(heapmib "$mid") | $(gor "$mid") |
| $runs | $(mib "$(kib "$runs")") | $(heapmib "$runs") | $(gor "$runs") |
<!-- serve-soak: end -->"
python3 - "$table" <<'PY'
import re, sys
p = "docs/benchmarks.md"
s = open(p).read()
block = sys.argv[1]
pat = re.compile(r"<!-- serve-soak: begin.*?<!-- serve-soak: end -->", re.S)
if pat.search(s):
    s = pat.sub(lambda _: block, s)
else:
    s = s.rstrip("\n") + "\n\n## serve: memory over 100 runs\n\n" + block + "\n"
open(p, "w").write(s)
PY
echo "serve-soak: wrote docs/benchmarks.md"
if (( $(kib "$runs") * 100 > $(kib "$mid") * 120 )); then
  echo "serve-soak: RSS grew from $(kib "$mid") KiB at run $mid to $(kib "$runs") KiB at run $runs" >&2
  exit 1
fi
