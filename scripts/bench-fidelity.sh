#!/usr/bin/env bash
# How close stepstone's object store benchmark comes to what the machine can
# do. On the same machine and the same local MinIO, in the same run, it
# alternates rounds of
#
#   1. the ceiling: internal/benchceiling, N workers doing nothing but PUT
#      (then GET) of 10 MiB objects with minio-go, the SDK stepstone uses;
#   2. stepstone's own benchmark of 10 MiB PUT and GET (--include-performance
#      with a perf config of one size, N workers, the same duration);
#
# and prints each round and the medians, and stepstone's share of the
# ceiling. The target is at least 90% for PUT and GET. docs/benchmarks.md
# ("Object storage benchmark fidelity") records a run.
#
#   scripts/bench-fidelity.sh            # MinIO from scripts/testenv.sh up
#   ROUNDS=5 DURATION=10s WORKERS=8 SETTLE=5 scripts/bench-fidelity.sh
#
# MinIO comes from the STEPSTONE_TEST_S3_* variables that
# `scripts/testenv.sh env` prints, with the same defaults.
set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
WORKERS=${WORKERS:-8}
SETTLE=${SETTLE:-5}
ENDPOINT=${STEPSTONE_TEST_S3_ENDPOINT:-127.0.0.1:19000}
ACCESS_KEY=${STEPSTONE_TEST_S3_ACCESS_KEY:-stepstone-minio}
SECRET_KEY=${STEPSTONE_TEST_S3_SECRET_KEY:-stepstone-minio-secret}
REGION=${STEPSTONE_TEST_S3_REGION:-us-east-1}
BUCKET=${BUCKET:-stepstone-bench-fidelity}

die() { printf 'bench-fidelity: %s\n' "$*" >&2; exit 1; }

command -v jq >/dev/null || die "jq is needed to read stepstone's JSON report"
curl -fsS -o /dev/null "http://$ENDPOINT/minio/health/live" ||
  die "MinIO does not answer at $ENDPOINT; start it with ./scripts/testenv.sh up"

cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/stepstone" ./cmd/stepstone
go build -o "$tmp/benchceiling" ./internal/benchceiling

# The bucket is created by the ceiling's first run; the secret goes through
# the environment, as it should in production.
cat >"$tmp/datanode.toml" <<EOF
node_id = 1
[storage]
type = "S3"
bucket = "$BUCKET"
root = "fidelity"
endpoint = "http://$ENDPOINT"
region = "$REGION"
access_key_id = "$ACCESS_KEY"
EOF
# One size and PUT and GET only; budgets out of the way, so that time alone
# ends each pass, as it ends the ceiling's.
cat >"$tmp/perf.toml" <<EOF
[object_store]
sizes = ["10MiB"]
operations = ["put", "get"]
workers = $WORKERS
duration = "$DURATION"
max_requests = 1000000
max_bytes = "1024GiB"

[thresholds]
"put.10MiB.throughput.mib_per_s" = {}
"get.10MiB.throughput.mib_per_s" = {}
EOF

ceiling() { # OP -> MiB/s
  "$tmp/benchceiling" -endpoint "$ENDPOINT" -access-key "$ACCESS_KEY" -secret-key "$SECRET_KEY" \
    -bucket "$BUCKET" -op "$1" -workers "$WORKERS" -duration "$DURATION" -size $((10 << 20)) |
    sed -E 's/.*: ([0-9.]+) MiB\/s.*/\1/'
}

stepstone() { # -> "PUT GET" MiB/s
  GREPTIMEDB_DATANODE__STORAGE__SECRET_ACCESS_KEY=$SECRET_KEY \
    "$tmp/stepstone" datanode -c "$tmp/datanode.toml" --include-performance --perf-config "$tmp/perf.toml" \
    --timeout 30s -o json="$tmp/report.json" -o human=/dev/null >/dev/null 2>&1 || true
  jq -r '[.details[].metrics // [] | .[] | select(.name == "bench.put.10MiB.throughput.mib_per_s" or
          .name == "bench.get.10MiB.throughput.mib_per_s")] | map(.value | tostring) | join(" ")' "$tmp/report.json"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

printf 'date: %s\nmachine: %s CPUs, %s, %s\nload before: %s\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "$(nproc)" \
  "$(uname -sm)" "$(go version | cut -d' ' -f3)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'MinIO %s, 10 MiB objects, %s workers, %s a pass, %s rounds\n\n' "$ENDPOINT" "$WORKERS" "$DURATION" "$ROUNDS"
printf '%-6s %14s %14s %14s %14s\n' round "ceiling PUT" "stepstone PUT" "ceiling GET" "stepstone GET"
: >"$tmp/rounds"
# MinIO's PUT throughput here is bound by the disk, and writes still being
# flushed slow down whatever runs next; so every measurement starts after
# a sync and a pause, and the order alternates between rounds, so that
# neither side always follows the other.
settle() { sync; sleep "$SETTLE"; }
for round in $(seq "$ROUNDS"); do
  if ((round % 2)); then
    settle; cp=$(ceiling put)
    settle; cg=$(ceiling get)
    settle; read -r sp sg <<<"$(stepstone)"
  else
    settle; read -r sp sg <<<"$(stepstone)"
    settle; cp=$(ceiling put)
    settle; cg=$(ceiling get)
  fi
  [[ -n ${sp:-} && -n ${sg:-} ]] || die "stepstone reported no 10 MiB throughput; see $tmp/report.json"
  printf '%-6s %14.1f %14.1f %14.1f %14.1f\n' "$round" "$cp" "$sp" "$cg" "$sg"
  echo "$cp $sp $cg $sg" >>"$tmp/rounds"
done
mcp=$(cut -d' ' -f1 "$tmp/rounds" | median)
msp=$(cut -d' ' -f2 "$tmp/rounds" | median)
mcg=$(cut -d' ' -f3 "$tmp/rounds" | median)
msg=$(cut -d' ' -f4 "$tmp/rounds" | median)
printf '%-6s %14.1f %14.1f %14.1f %14.1f\n' median "$mcp" "$msp" "$mcg" "$msg"
printf '\nload after: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
awk -v cp="$mcp" -v sp="$msp" -v cg="$mcg" -v sg="$msg" 'BEGIN {
  printf "stepstone / ceiling: PUT %.0f%%, GET %.0f%% (target: at least 90%%)\n", 100 * sp / cp, 100 * sg / cg
  exit (sp < 0.9 * cp || sg < 0.9 * cg) }'
