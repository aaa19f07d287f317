#!/usr/bin/env bash
# Worst static input: a datanode config just under the 10 MiB read cap that
# is nothing but unknown tables (one finding each, before the per-rule cap).
# Prints wall time and peak RSS (/usr/bin/time -v) of `stepstone datanode -c`
# for each output format. docs/reliability.md ("Memory and time") records a
# run.
#   ./scripts/worst-input.sh            9 MiB, formats human json sarif
#   SIZE_MIB=5 ./scripts/worst-input.sh
set -euo pipefail

# shellcheck source=scripts/measure-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/measure-lib.sh"

size_mib=${SIZE_MIB:-9}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/stepstone" ./cmd/stepstone
conf=$work/datanode.toml
{
  printf 'node_id = 1\n[meta_client]\nmetasrv_addrs = ["127.0.0.1:3002"]\n'
  awk -v limit=$((size_mib * 1024 * 1024)) 'BEGIN {
    for (i = 0; size < limit; i++) { s = sprintf("[unknown_%d]\nkey = %d\n", i, i); printf "%s", s; size += length(s) }
  }'
} >"$conf"
tables=$(grep -c '^\[unknown_' "$conf")
echo "worst-input: $(wc -c <"$conf") bytes, $tables unknown tables"

for format in human json sarif; do
  set +e
  /usr/bin/time -f '%e %M' -o "$work/time" "$work/stepstone" datanode -c "$conf" --static-only -o "$format" >"$work/out" 2>"$work/err"
  code=$?
  set -e
  read -r wall kb < <(tail -n 1 "$work/time")
  printf 'worst-input: -o %-6s exit %d  %6s s  peak RSS %d MiB  output %d bytes\n' "$format" "$code" "$wall" $((kb / 1024)) "$(wc -c <"$work/out")"
done
