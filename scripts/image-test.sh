#!/usr/bin/env bash
# Builds the Action's image from the Dockerfile and runs it the way the GitHub
# runner starts a container action (actions/runner ContainerActionHandler):
#   - the workspace mounted at /github/workspace, which is the working dir,
#     and /github/file_commands, /github/home, /github/workflow beside it
#   - no arguments (action.yml passes none), inputs as INPUT_<NAME> variables
#     with the hyphens kept (INPUT_FAIL-ON), GITHUB_* variables naming the
#     container paths, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files in
#     /github/file_commands
# on a workspace with a broken config, and checks the exit code, the
# annotations, the step outputs, the summary and the files (SARIF with
# workspace-relative URIs, the JSON report where report-json says), then a
# run with bad inputs (::error:: naming each, exit 2). The same run covers
# `uses: docker://IMAGE`, which starts the image the same way.
#
# Engine: podman (preferred; the project's recipe in scripts/container/ makes
# local stand-ins for the base images where no registry is reachable), else
# docker with a running daemon. With neither it says so and exits 77, which
# scripts/test.sh reports as "not run". Costs: the first build about 18
# CPU-minutes (the Go build of 981 packages inside the image); a rebuild after
# a code change a few CPU-minutes; the runs seconds.
#   IMAGE_TEST_ENGINE=podman|docker   force an engine
#   IMAGE=stepstone-action:test       tag of the built image
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
export PROJECT=$root
IMAGE=${IMAGE:-stepstone-action:test}
export IMAGE

say() { printf 'image-test: %s\n' "$*" >&2; }
fails=0
fail() { say "FAIL: $*"; fails=$((fails + 1)); }

engine=${IMAGE_TEST_ENGINE:-}
if [[ -z $engine ]]; then
  if command -v podman >/dev/null 2>&1; then
    engine=podman
  elif command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    engine=docker
  fi
fi
if [[ -z $engine && ${STEPSTONE_IMAGE_TEST:-} == 1 ]] && command -v apt-get >/dev/null 2>&1; then
  # Asked for explicitly: install the engine and what the stand-in base
  # images need, from Debian, as kube-apiserver.sh installs etcd.
  say "installing podman, buildah, runc and debootstrap with apt-get (STEPSTONE_IMAGE_TEST=1)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y podman buildah runc debootstrap >&2 &&
    command -v podman >/dev/null 2>&1 && engine=podman
fi
if [[ -z $engine ]]; then
  say "NOT RUN: no container engine here (neither podman nor docker with a running daemon); STEPSTONE_IMAGE_TEST=1 installs podman."
  say "install one (apt-get install podman buildah runc debootstrap) to build and run the Action's image"
  exit 77
fi

# --- build -------------------------------------------------------------------
t0=$SECONDS
if [[ $engine == podman ]]; then
  # shellcheck source=container/common.sh
  . "$root/scripts/container/common.sh"
  # Real base images when a registry answers; stand-ins otherwise.
  bash "$root/scripts/container/bases.sh"
  bash "$root/scripts/container/build.sh" --build-arg VERSION=v0.0.0-image-test >&2
  run_engine() { pod "$@"; }
else
  docker build --build-arg VERSION=v0.0.0-image-test -t "$IMAGE" "$root" >&2
  run_engine() { docker "$@"; }
fi
say "built $IMAGE with $engine in $((SECONDS - t0))s"
size=$(run_engine image inspect --format '{{.Size}}' "$IMAGE")
say "image size: $((size / 1024 / 1024)) MiB"

# --- a workspace as actions/checkout leaves it --------------------------------
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ws=$work/workspace
mkdir -p "$ws/deploy" "$work/file_commands" "$work/home" "$work/workflow"
cat >"$ws/deploy/datanode.toml" <<'EOF'
node_id = 1
[meta_client]
metasrv_addrs = ["127.0.0.1:3002"]
[storage]
type = "S4"
buket = "x"
[http]
timeout = 30
EOF
echo '{"action":"opened","number":1,"pull_request":{"number":1}}' >"$work/workflow/event.json"
chmod -R a+rwX "$work"

# runner_start NAME INPUT=VALUE...: one step, as the runner starts it.
runner_start() {
  local name=$1; shift
  local out=$work/file_commands/set_output_$name sum=$work/file_commands/step_summary_$name
  : >"$out"; : >"$sum"
  local envs=(-e GITHUB_ACTIONS=true -e CI=true -e HOME=/github/home
    -e GITHUB_WORKSPACE=/github/workspace -e GITHUB_EVENT_NAME=push
    -e GITHUB_EVENT_PATH=/github/workflow/event.json
    -e "GITHUB_OUTPUT=/github/file_commands/set_output_$name"
    -e "GITHUB_STEP_SUMMARY=/github/file_commands/step_summary_$name"
    -e GITHUB_REPOSITORY=acme/cluster -e GITHUB_SHA=0123456789abcdef0123456789abcdef01234567
    -e GITHUB_SERVER_URL=https://github.com -e GITHUB_API_URL=http://127.0.0.1:9
    -e GITHUB_RUN_ID=1 -e GITHUB_ACTION_REF=v9.9.9 -e RUNNER_TEMP=/github/runner_temp)
  local kv
  for kv in "$@"; do envs+=(-e "INPUT_$kv"); done
  set +e
  run_engine run --rm --network none --workdir /github/workspace \
    -v "$ws:/github/workspace" -v "$work/file_commands:/github/file_commands" \
    -v "$work/home:/github/home" -v "$work/workflow:/github/workflow" \
    "${envs[@]}" "$IMAGE" >"$work/$name.stdout" 2>"$work/$name.stderr"
  local code=$?
  set -e
  echo "$code"
}

has() { grep -qF -- "$2" "$1" || fail "$3 (no '$2' in $(basename "$1"))"; }

# --- the Action on a broken config: every input as action.yml defaults it ---
code=$(runner_start lint PATHS=deploy COMMAND=lint CHANGED-ONLY=auto FAIL-ON= INCLUDE-PERFORMANCE=false \
  TIMEOUT=10s SARIF-FILE=stepstone.sarif REPORT-JSON=stepstone-report.json COMMENT=true GITHUB-TOKEN= \
  SUGGESTIONS=true ENV-PREFIX= BASELINE= GREPTIMEDB-VERSION=)
[[ $code == 1 ]] || fail "exit $code on a broken config, want 1 ($(head -c 2000 "$work/lint.stderr"))"
# Properties come in the runner's order (col, endColumn, endLine, file, line, title).
grep -Eq '^::error [^:]*file=deploy/datanode\.toml,line=5,' "$work/lint.stdout" || fail "no error annotation on the workspace-relative file (no '::error ...file=deploy/datanode.toml,line=5,' in lint.stdout)"
grep -q '/github/workspace' "$work/lint.stdout" && fail "an annotation names the container path /github/workspace"
has "$work/file_commands/set_output_lint" "result<<" "no result output"
grep -A1 '^result<<' "$work/file_commands/set_output_lint" | grep -qx fail || fail "result is not fail"
grep -A1 '^report-json<<' "$work/file_commands/set_output_lint" | grep -qx stepstone-report.json ||
  fail "report-json output is not the workspace-relative stepstone-report.json"
grep -A1 '^sarif-file<<' "$work/file_commands/set_output_lint" | grep -qx stepstone.sarif || fail "sarif-file output"
[[ -s $work/file_commands/step_summary_lint ]] || fail "no step summary"
has "$work/file_commands/step_summary_lint" "datanode.toml" "the summary does not name the config"
[[ -s $ws/stepstone-report.json ]] || fail "no JSON report in the workspace"
[[ -s $ws/stepstone.sarif ]] || fail "no SARIF file in the workspace"
if [[ -s $ws/stepstone.sarif ]]; then
  grep -q '/github/workspace' "$ws/stepstone.sarif" && fail "SARIF names the container path"
  grep -Eq '"uri": *"deploy/datanode.toml"' "$ws/stepstone.sarif" || fail "SARIF URIs are not workspace-relative"
  has "$ws/stepstone.sarif" 'v0.0.0-image-test' "the image's stamped version is not in SARIF"
fi

# --- bad inputs: one ::error:: per input, exit 2 -------------------------------
code=$(runner_start bad PATHS=deploy COMMAND=bogus COMMENT=1 FAIL_ON=warning)
[[ $code == 2 ]] || fail "exit $code for bad inputs, want 2"
has "$work/bad.stdout" '::error title=stepstone input command::input "command" must be run or lint, not "bogus"' "command: bogus"
has "$work/bad.stdout" '::error title=stepstone input comment::input "comment" must be true or false, not "1"' "comment: 1"
has "$work/bad.stdout" '::warning title=stepstone input fail_on::' "the misspelt input fail_on"

if ((fails > 0)); then
  say "$fails check(s) failed; outputs in $work were:"
  for f in "$work"/*.stdout "$work"/*.stderr; do echo "--- $f" >&2; head -c 3000 "$f" >&2; done
  trap - EXIT
  exit 1
fi
say "passed: exit codes, annotations, outputs, summary, SARIF and JSON report in the workspace, bad inputs"
