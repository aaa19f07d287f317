# Sourced by the measuring scripts (scale.sh, worst-input.sh): run from the
# repository root, find go where the Go tarball puts it, and require GNU time
# for peak RSS.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
  PATH=/usr/local/go/bin:$PATH
fi
if [[ ! -x /usr/bin/time ]]; then
  echo "$(basename "$0") needs GNU time (/usr/bin/time): apt-get install time" >&2
  exit 2
fi
