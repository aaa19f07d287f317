#!/usr/bin/env bash
# Lint speed, measured as a new user would and side by side in one run:
# 1,000 copies of GreptimeDB's upstream datanode example in one folder,
#   - `stepstone lint -o json DIR`           wall time and peak RSS
#   - one go-toml/v2 parse of every file on all cores (internal/parsebench)
#   - `taplo check` of the same files        (@taplo/cli from npm, syntax only)
# plus stepstone's package init (median of the summed `GODEBUG=inittrace=1
# stepstone version` clock times) and its stripped binary size.
#   ./scripts/lint-speed.sh                  print the table
#   ./scripts/lint-speed.sh --write LABEL    also record it in docs/benchmarks.md
#                                            as the row set LABEL ("before", "after", ...)
#   FILES=200 RUNS=9 INIT_RUNS=51 TAPLO_RUNS=1 CALLGRIND_FILES=100 CALLGRIND_RUNS=3 ./scripts/lint-speed.sh
# Wall times are the minimum over RUNS runs (default 5; the machine is
# shared, and the minimum is the least disturbed run; lint and the parse
# take turns), CPU times (user + system) the minimum too, RSS the maximum. CPU time is much less disturbed by other
# processes than wall time. When valgrind is installed, the instructions
# executed by lint and by the parse of CALLGRIND_FILES of the files
# (default 100; 0 skips) are counted with callgrind, the fewest of
# CALLGRIND_RUNS (default 3): a ratio that hardly depends on the load.
# taplo is installed once into $HOME/.cache/stepstone-taplo.
set -euo pipefail

# shellcheck source=scripts/measure-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/measure-lib.sh"

label=""
if [[ ${1:-} == --write ]]; then
  label=${2:?usage: lint-speed.sh [--write LABEL]}
fi
files=${FILES:-1000}
runs=${RUNS:-5}
init_runs=${INIT_RUNS:-51}
taplo_runs=${TAPLO_RUNS:-1}
cg_files=${CALLGRIND_FILES:-100}
example=${EXAMPLE:-../shared/greptime-configs/upstream/datanode.example.toml}
if [[ ! -f $example ]]; then
  example=/work/shared/greptime-configs/upstream/datanode.example.toml
fi
if [[ ! -f $example ]]; then
  echo "lint-speed.sh: no upstream datanode example at $example (set EXAMPLE=)" >&2
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "building stepstone (stripped) and parsebench..." >&2
# As the release builds it (README, Install); TAGS= builds without the tags.
go build -tags "${TAGS-disable_grpc_modules,urfave_cli_no_docs}" -ldflags "-s -w" -o "$work/stepstone" ./cmd/stepstone
go build -o "$work/parsebench" ./internal/parsebench

taplo_dir=$HOME/.cache/stepstone-taplo
taplo=$taplo_dir/node_modules/.bin/taplo
if [[ ! -x $taplo ]]; then
  echo "installing @taplo/cli into $taplo_dir..." >&2
  mkdir -p "$taplo_dir"
  (cd "$taplo_dir" && npm install --no-audit --no-fund @taplo/cli >/dev/null)
fi

dir=$work/configs
mkdir -p "$dir"
for i in $(seq -w 1 "$files"); do
  cp "$example" "$dir/datanode-$i.toml"
done
bytes=$(cat "$dir"/*.toml | wc -c)

# once CMD...: one run of CMD; sets w (wall s, to the millisecond from
# bash's clock: /usr/bin/time prints hundredths, a seventh of a 0.07 s
# parse), c (user + system s) and r (peak RSS MB).
once() {
  local t0 t1
  t0=$EPOCHREALTIME
  /usr/bin/time -v -o "$work/time" "$@" >"$work/out" 2>"$work/err" || true
  t1=$EPOCHREALTIME
  w=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  c=$(awk -F': ' '/(User|System) time \(seconds\)/ { s += $2 } END { printf "%.2f", s }' "$work/time")
  r=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$work/time")
}

# keep NAME: folds the last run into NAME_wall and NAME_cpu (minimum) and
# NAME_rss (maximum).
keep() {
  local n=$1 vw vc vr
  vw=${n}_wall vc=${n}_cpu vr=${n}_rss
  if [[ -z ${!vw} ]] || awk -v a="$w" -v b="${!vw}" 'BEGIN { exit !(a < b) }'; then printf -v "$vw" %s "$w"; fi
  if [[ -z ${!vc} ]] || awk -v a="$c" -v b="${!vc}" 'BEGIN { exit !(a < b) }'; then printf -v "$vc" %s "$c"; fi
  if ((r > ${!vr:-0})); then printf -v "$vr" %s "$r"; fi
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
echo "measuring on $files files ($bytes bytes), load average $load_start..." >&2
# Lint and the parse take turns, so that a machine that slows down or
# speeds up during the measurement moves both alike (seen on a shared
# machine: one parse 0.06 s, then 0.1 s a minute later).
lint_wall="" lint_cpu="" lint_rss=0 parse_wall="" parse_cpu="" parse_rss=0 taplo_wall="" taplo_cpu="" taplo_rss=0
for ((i = 0; i < runs; i++)); do
  once "$work/stepstone" lint -o json "$dir"
  keep lint
  lint_bytes=$(wc -c <"$work/out")
  once "$work/parsebench" "$dir"
  keep parse
done
for ((i = 0; i < taplo_runs; i++)); do
  once "$taplo" check "$dir"/*.toml
  keep taplo
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# Instructions, counted by callgrind over all threads. Valgrind cannot run
# Go's asynchronous preemption signals nor the RDTSCP instruction, hence
# the GODEBUG settings (they change neither program's work).
cg_line=""
if ((cg_files > 0)) && command -v valgrind >/dev/null 2>&1; then
  cg_dir=$work/callgrind
  mkdir -p "$cg_dir"
  # Not `| head`: under pipefail, sort killed by SIGPIPE when head has
  # had enough failed the script (seen once in three runs).
  mapfile -t cg_src < <(find "$dir" -name '*.toml' | sort)
  cp "${cg_src[@]:0:cg_files}" "$cg_dir"/
  # Lint exits 1 on these files (they have findings): only the count matters.
  # The fewest of CALLGRIND_RUNS counts (default 3): the program's own
  # work is the same each time, but on a busy machine the Go scheduler's
  # idle threads spin for more or fewer instructions (seen: 322 M and
  # 331 M for the same binary and files).
  instructions() {
    local i n best=
    for ((i = 0; i < ${CALLGRIND_RUNS:-3}; i++)); do
      n=$({ GODEBUG=asyncpreemptoff=1,cpu.rdtscp=off valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null || true; } |
        awk '/Collected :/ { print $NF }')
      if [[ -z $best ]] || ((n < best)); then best=$n; fi
    done
    echo "$best"
  }
  echo "counting instructions on $cg_files files with callgrind..." >&2
  cg_lint=$(instructions "$work/stepstone" lint -o json "$cg_dir")
  cg_parse=$(instructions "$work/parsebench" "$cg_dir")
  cg_version=$(instructions "$work/stepstone" version)
  cg_line="Instructions (callgrind, $cg_files files): lint **$cg_lint**, one parse **$cg_parse**, \`stepstone version\` (start-up alone) $cg_version: lint / parse **$(ratio "$cg_lint" "$cg_parse") ×**, without start-up $(ratio "$((cg_lint - cg_version))" "$cg_parse") ×."
fi

inits=$work/inits
for ((i = 0; i < init_runs; i++)); do
  GODEBUG=inittrace=1 "$work/stepstone" version 2>&1 >/dev/null |
    awk '/^init / { for (i = 1; i <= NF; i++) if ($(i+1) == "ms" && $(i+2) == "clock,") s += $i } END { printf "%.1f\n", s }'
done | sort -n >"$inits"
init_ms=$(sed -n "$(((init_runs + 1) / 2))p" "$inits")
init_pkgs=$(GODEBUG=inittrace=1 "$work/stepstone" version 2>&1 >/dev/null | grep -c '^init ')
size=$(stat -c %s "$work/stepstone")
size_mb=$(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1e6 }')

date=$(date -u +%Y-%m-%d)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo "?")
table=$(
  cat <<EOF
| ${label:-run} ($date, $commit, load $load_start → $load_end) | wall s | CPU s | peak RSS MB | wall vs one parse | CPU vs one parse | wall vs taplo | CPU vs taplo |
|---|---:|---:|---:|---:|---:|---:|---:|
| \`stepstone lint -o json\` ($files files, ${lint_bytes} B of JSON) | $lint_wall | $lint_cpu | $lint_rss | $(ratio "$lint_wall" "$parse_wall") × | $(ratio "$lint_cpu" "$parse_cpu") × | $(ratio "$lint_wall" "$taplo_wall") × | $(ratio "$lint_cpu" "$taplo_cpu") × |
| go-toml/v2, one parse per file, $(nproc) cores | $parse_wall | $parse_cpu | $parse_rss | 1 × | 1 × | $(ratio "$parse_wall" "$taplo_wall") × | $(ratio "$parse_cpu" "$taplo_cpu") × |
| \`taplo check\` ($("$taplo" --version | tr -d '\n')) | $taplo_wall | $taplo_cpu | $taplo_rss | $(ratio "$taplo_wall" "$parse_wall") × | $(ratio "$taplo_cpu" "$parse_cpu") × | 1 × | 1 × |

Package init (\`GODEBUG=inittrace=1 stepstone version\`, median of $init_runs, $init_pkgs packages): **$init_ms ms**; stripped binary: **$size B ($size_mb MB)**.
$cg_line
EOF
)
echo "$table"

if [[ -n $label ]]; then
  doc=docs/benchmarks.md
  begin="<!-- lint-speed:$label:begin -->"
  end="<!-- lint-speed:$label:end -->"
  if ! grep -qF "$begin" "$doc"; then
    printf '\n%s\n%s\n' "$begin" "$end" >>"$doc"
  fi
  printf '%s\n' "$table" >"$work/table"
  awk -v b="$begin" -v e="$end" -v t="$work/table" '
    $0 == b { print; while ((getline l < t) > 0) print l; skip = 1; next }
    $0 == e { skip = 0 }
    !skip { print }' "$doc" >"$work/doc"
  cp "$work/doc" "$doc"
  echo "recorded in $doc ($label)" >&2
fi
