#!/usr/bin/env bash
# Scale check: `stepstone run` over 200 generated configs naming 1,000
# endpoints, most refusing connections and some black-holed (accepting and
# never answering), all on 127.0.0.1. It reports wall time, the slowest
# single probe, peak RSS (/usr/bin/time -v), and the peak number of open
# file descriptors and OS threads, sampled from /proc/<pid> while it runs.
#   ./scripts/scale.sh                 200 configs, 10% black-holed, 5s timeout
#   CONFIGS=400 BLACKHOLE_PCT=20 TIMEOUT=3s ./scripts/scale.sh
# docs/benchmarks.md ("Scale: 200 configs, 1,000 endpoints") records a run.
set -euo pipefail

# shellcheck source=scripts/measure-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/measure-lib.sh"

configs=${CONFIGS:-200}
pct=${BLACKHOLE_PCT:-10}
timeout=${TIMEOUT:-5s}
per=5 # endpoints per config

work=$(mktemp -d)
bh_pid=""
cleanup() {
  if [[ -n $bh_pid ]]; then kill "$bh_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "building stepstone..."
go build -o "$work/stepstone" ./cmd/stepstone

# Black holes: 20 listeners that accept and never send a byte.
mkdir -p "$work/blackhole"
cat >"$work/blackhole/main.go" <<'EOF'
package main

import (
	"fmt"
	"net"
	"os"
)

func main() {
	var held []net.Conn
	conns := make(chan net.Conn)
	for i := 0; i < 20; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(l.Addr().String())
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				conns <- c
			}
		}()
	}
	os.Stdout.Close() // tells the script the addresses are all out
	for c := range conns {
		held = append(held, c) // never read, never written
	}
}
EOF
(cd "$work/blackhole" && go build -o blackhole main.go)
"$work/blackhole/blackhole" >"$work/blackholes.txt" &
bh_pid=$!
for _ in $(seq 50); do
  [[ $(wc -l <"$work/blackholes.txt") -ge 20 ]] && break
  sleep 0.1
done
mapfile -t holes <"$work/blackholes.txt"

# Refused: ports on 127.0.0.1 where nothing listens (checked with bash's
# /dev/tcp, which fails at once on a refused port).
refused=()
port=21000
while ((${#refused[@]} < 200)); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    refused+=("127.0.0.1:$port")
  fi
  port=$((port + 7))
done

# Endpoint n is black-holed for pct% of n, refused otherwise.
endpoint() {
  local n=$1
  if ((n % 100 < pct)); then
    echo "${holes[n % ${#holes[@]}]}"
  else
    echo "${refused[n % ${#refused[@]}]}"
  fi
}

dir="$work/cluster"
mkdir -p "$dir"
n=0
for ((i = 0; i < configs; i++)); do
  addrs=()
  for ((k = 0; k < per; k++)); do
    addrs+=("\"$(endpoint $n)\"")
    n=$((n + 1))
  done
  case $((i % 3)) in
  0) # 4 metasrv addresses and an S3 endpoint
    {
      echo "node_id = $i"
      echo "[meta_client]"
      echo "metasrv_addrs = [$(IFS=,; echo "${addrs[*]:0:4}")]"
      echo "[storage]"
      echo 'type = "S3"'
      echo 'bucket = "scale-test"'
      echo 'region = "us-east-1"'
      echo "endpoint = \"http://${addrs[4]//\"/}\""
      echo 'access_key_id = "AKIDSCALE"'
      echo 'secret_access_key = "scale-secret"'
    } >"$dir/dn$i-datanode.toml"
    ;;
  1) # 5 metasrv addresses
    {
      echo "[meta_client]"
      echo "metasrv_addrs = [$(IFS=,; echo "${addrs[*]}")]"
    } >"$dir/fe$i-frontend.toml"
    ;;
  2) # 5 etcd members
    {
      echo 'backend = "etcd_store"'
      echo "store_addrs = [$(IFS=,; echo "${addrs[*]}")]"
    } >"$dir/meta$i-metasrv.toml"
    ;;
  esac
done
echo "$configs configs naming $n endpoints (${pct}% black-holed) in $dir"

# Run it, sampling its open descriptors and threads.
start=$(date +%s.%N)
/usr/bin/time -v -o "$work/time.txt" "$work/stepstone" run --timeout "$timeout" --deadline 30m \
  -o "json=$work/report.json" -o human=/dev/null "$dir" &
tpid=$!
max_fd=0
max_threads=0
while kill -0 "$tpid" 2>/dev/null; do
  pid=$(pgrep -P "$tpid" -x stepstone || true)
  if [[ -n $pid && -d /proc/$pid ]]; then
    fds=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
    threads=$(awk '/^Threads:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    ((fds > max_fd)) && max_fd=$fds
    ((threads > max_threads)) && max_threads=$threads
  fi
  sleep 0.05
done
code=0
wait "$tpid" || code=$?
end=$(date +%s.%N)

# The slowest single probe, from the JSON report.
slowest=$(grep -o '"duration_ms": [0-9.]*' "$work/report.json" | awk '{print $2}' | sort -g | tail -1)
checks=$(grep -c '"class": ' "$work/report.json" || true)

printf '\n==== scale: %s configs, %s endpoints, %s%% black-holed, --timeout %s ====\n' "$configs" "$n" "$pct" "$timeout"
printf 'exit code             %s (1 expected: every endpoint fails)\n' "$code"
printf 'wall time             %.1fs\n' "$(echo "$end - $start" | bc)"
printf 'slowest probe         %.1fs\n' "$(echo "$slowest / 1000" | bc -l)"
printf 'failed checks         %s\n' "$checks"
printf 'peak RSS              %s MiB\n' "$(awk '/Maximum resident/ {printf "%.0f", $6/1024}' "$work/time.txt")"
printf 'peak open fds         %s\n' "$max_fd"
printf 'peak OS threads       %s\n' "$max_threads"
grep -E 'Percent of CPU|Elapsed' "$work/time.txt" | sed 's/^\s*/                      /'
