#!/usr/bin/env bash
# Build stepstone and install it as a kubectl and a gtctl plugin.
#
#   scripts/install-plugin.sh [BINDIR]
#
# BINDIR defaults to $GOBIN, else $(go env GOPATH)/bin. The binary goes to
# BINDIR/stepstone, with BINDIR/kubectl-stepstone and BINDIR/gtctl-stepstone
# beside it: kubectl and gtctl run any `<tool>-<name>` executable found on
# PATH as `<tool> <name>`, and stepstone takes the name it shows in help from
# argv[0]. Symlinks are used where the file system has them, copies elsewhere.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
  PATH=/usr/local/go/bin:$PATH
fi

bindir=${1:-}
if [[ -z $bindir ]]; then
  bindir=$(go env GOBIN)
  [[ -n $bindir ]] || bindir=$(go env GOPATH)/bin
fi
mkdir -p "$bindir"

version=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
exe=$(go env GOEXE)

# The tags keep unused transports out of the binary (README, Install).
CGO_ENABLED=0 go build -trimpath -tags disable_grpc_modules,urfave_cli_no_docs -ldflags "-s -w -X main.version=$version" \
  -o "$bindir/stepstone$exe" ./cmd/stepstone

for host in kubectl gtctl; do
  link=$bindir/$host-stepstone$exe
  rm -f "$link"
  ln -s "stepstone$exe" "$link" 2>/dev/null || cp "$bindir/stepstone$exe" "$link"
done

printf 'installed %s/stepstone%s (%s) as kubectl-stepstone and gtctl-stepstone\n' "$bindir" "$exe" "$version"
case ":$PATH:" in
  *":$bindir:"*) printf 'try: kubectl stepstone --help   or   kubectl plugin list\n' ;;
  *) printf 'note: %s is not on PATH; add it so that kubectl and gtctl find the plugin\n' "$bindir" ;;
esac
