#!/usr/bin/env bash
# The project's one test command: bring up the real-server test environment,
# then vet and test everything against it. Extra args go to `go test`:
#   ./scripts/test.sh -run TestFoo            (all packages)
#   ./scripts/test.sh -v ./internal/testenv/  (just that package)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

RUN_DIR=${STEPSTONE_RUN:-/tmp/stepstone-testenv}

# CI images may not have go on PATH.
if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
  PATH=/usr/local/go/bin:$PATH
fi

banner() {
  printf '\n==== %s ====\n' "$*"
}

banner "test environment: scripts/testenv.sh up"
./scripts/testenv.sh up

banner "loading $RUN_DIR/env.sh"
# shellcheck source=/dev/null
source "$RUN_DIR/env.sh"
./scripts/testenv.sh status

banner "go mod tidy -diff"
# CI fails when go.mod or go.sum would change: every direct dependency is
# listed as direct, and nothing unused stays.
if ! go mod tidy -diff; then
  echo "go.mod/go.sum are not tidy: run go mod tidy and commit the result" >&2
  exit 1
fi

banner "alert rules: scripts/promtool-test.sh"
./scripts/promtool-test.sh

banner "go vet ./..."
go vet ./...

# Default to ./... unless the caller named packages (./x, ../x or a ... pattern).
pkgs=(./...)
for arg in "$@"; do
  case $arg in
    ./* | ../* | *...*) pkgs=() ;;
  esac
done

banner "go test -count=1 -timeout 60m ${pkgs[*]} $*"
go test -count=1 -timeout 60m "${pkgs[@]}" "$@"

# Every fuzz target for a few seconds: the seeds already ran above as plain
# tests; this looks a little further. Skipped when the caller picked tests
# or packages, or with STEPSTONE_FUZZTIME=0. 12 targets at 5s take about
# 2.5 minutes, compiling included.
fuzztime=${STEPSTONE_FUZZTIME:-5}
if [[ $# -eq 0 && $fuzztime != 0 ]]; then
  banner "fuzz: scripts/fuzz.sh $fuzztime (STEPSTONE_FUZZTIME)"
  ./scripts/fuzz.sh "$fuzztime"
fi

# The kubectl plugin against a real kube-apiserver (go test -tags apiserver)
# and the Action's image built and run as the GitHub runner starts it
# (scripts/image-test.sh) run where their engines exist:
#   - the API-server tests when kube-apiserver is built (cached in
#     ~/.cache/stepstone-kube; building it takes about 25 CPU-minutes, which
#     STEPSTONE_KUBE_TESTS=1 does) and kubectl is installed (the script
#     installs etcd and kubectl from Debian when missing);
#   - the image test when podman (or docker with a running daemon) is here
#     (STEPSTONE_IMAGE_TEST=1 installs podman from Debian first); every
#     build compiles the binary in the image with no cache from the host:
#     about 5 minutes on an idle 2-core machine, plus a debootstrap of
#     stand-in base images the first time where no registry answers.
# STEPSTONE_KUBE_TESTS=0 / STEPSTONE_IMAGE_TEST=0 turn them off. A stage that
# does not run says so, and why, in its banner.
kube_bin=${XDG_CACHE_HOME:-$HOME/.cache}/stepstone-kube/bin/kube-apiserver-v${KUBE_VERSION:-1.37.2}
kube_tests=${STEPSTONE_KUBE_TESTS:-auto}
if [[ $kube_tests == auto ]]; then
  if [[ -x $kube_bin ]] && command -v etcd >/dev/null 2>&1 && command -v kubectl >/dev/null 2>&1; then
    kube_tests=1
  else
    kube_why="kube-apiserver is not built here ($kube_bin), or etcd/kubectl are missing; STEPSTONE_KUBE_TESTS=1 builds it (about 25 CPU-minutes)"
    kube_tests=0
  fi
else
  kube_why="STEPSTONE_KUBE_TESTS=$kube_tests"
fi
if [[ $# -eq 0 && $kube_tests != 0 ]]; then
  banner "kubectl plugin against a real kube-apiserver: scripts/kube-apiserver.sh test"
  ./scripts/kube-apiserver.sh test
elif [[ $# -eq 0 ]]; then
  banner "kubectl plugin against a real kube-apiserver: NOT RUN ($kube_why)"
fi

if [[ $# -eq 0 && ${STEPSTONE_IMAGE_TEST:-auto} != 0 ]]; then
  banner "the Action's image: scripts/image-test.sh"
  rc=0
  ./scripts/image-test.sh || rc=$?
  if [[ $rc == 77 ]]; then
    echo "image test NOT RUN: no container engine on this machine (apt-get install podman buildah runc debootstrap)"
  elif [[ $rc != 0 ]]; then
    exit "$rc"
  fi
elif [[ $# -eq 0 ]]; then
  banner "the Action's image: NOT RUN (STEPSTONE_IMAGE_TEST=0)"
fi

# What a tag push would run: actionlint and goreleaser check (both built
# once with go install: about 16 CPU-minutes; cached in ~/.cache/stepstone-tools).
if [[ $# -eq 0 && ${STEPSTONE_RELEASE_CHECK:-1} != 0 ]]; then
  banner "release config: scripts/release-check.sh"
  ./scripts/release-check.sh
fi

banner "all tests passed"
