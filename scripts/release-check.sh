#!/usr/bin/env bash
# Checks what a tag push would run, without publishing anything:
#   - actionlint over .github/workflows (syntax, expressions, shellcheck of
#     run: steps when shellcheck is installed)
#   - `goreleaser check` of .goreleaser.yaml
#   - action.yml's runs.image is the Dockerfile, or the release image of a tag
# Both tools are built with `go install` at pinned versions into
# $STEPSTONE_TOOLS (default ~/.cache/stepstone-tools/bin), once: actionlint
# about 1 CPU-minute, goreleaser about 15 CPU-minutes (it links every cloud
# SDK it can publish to); later runs take seconds.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

ACTIONLINT_VERSION=${ACTIONLINT_VERSION:-v1.7.12}
# v2.17.0 is the newest GoReleaser whose go.mod asks for Go 1.26 (v2.18
# needs 1.27); .github/workflows/release.yml runs the same version.
GORELEASER_VERSION=${GORELEASER_VERSION:-v2.17.0}
TOOLS=${STEPSTONE_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/stepstone-tools/bin}

if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
  PATH=/usr/local/go/bin:$PATH
fi
mkdir -p "$TOOLS"

# tool NAME MODULE VERSION: the binary, built once per version.
tool() {
  local name=$1 module=$2 version=$3 bin=$TOOLS/$1-$3
  if [[ ! -x $bin ]]; then
    echo "release-check: building $name $version (once; cached in $TOOLS)" >&2
    local t0=$SECONDS tmp
    tmp=$(mktemp -d)
    if ! GOBIN=$tmp GOFLAGS=-mod=mod nice -n 19 go install "$module@$version" >"$tmp.log" 2>&1; then
      echo "release-check: could not build $name $version:" >&2
      tail -n 20 "$tmp.log" >&2
      return 1
    fi
    mv "$tmp/$name" "$bin"
    rm -rf "$tmp" "$tmp.log"
    echo "release-check: built $name in $((SECONDS - t0))s" >&2
  fi
  echo "$bin"
}

# actionlint runs shellcheck over every run: step when it is installed.
if ! command -v shellcheck >/dev/null 2>&1 && [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive nice -n 19 apt-get install -y -q shellcheck >/dev/null 2>&1 ||
    echo "release-check: could not install shellcheck; run: steps are not shellchecked" >&2
fi

fail=0
actionlint=$(tool actionlint github.com/rhysd/actionlint/cmd/actionlint "$ACTIONLINT_VERSION")
echo "== actionlint $ACTIONLINT_VERSION .github/workflows"
"$actionlint" -no-color .github/workflows/*.yml || fail=1

goreleaser=$(tool goreleaser github.com/goreleaser/goreleaser/v2 "$GORELEASER_VERSION")
echo "== goreleaser $GORELEASER_VERSION check"
"$goreleaser" check || fail=1

echo "== action.yml image"
image=$(sed -n 's/^  image: //p' action.yml)
case $image in
  Dockerfile) echo "action.yml builds the Dockerfile (between releases)" ;;
  docker://ghcr.io/stepstone-dev/stepstone:v[0-9]*) echo "action.yml pulls $image" ;;
  *) echo "action.yml: runs.image is '$image': want Dockerfile, or docker://ghcr.io/stepstone-dev/stepstone:vX.Y.Z" >&2; fail=1 ;;
esac
for f in Dockerfile Dockerfile.release; do
  if grep -q '^# *syntax=' "$f"; then echo "$f: a # syntax= line makes BuildKit pull a frontend image" >&2; fail=1; fi
done

if [[ $fail != 0 ]]; then
  echo "release-check: FAILED" >&2
  exit 1
fi
echo "release-check: passed"
