# Shared settings for the container-action scripts in this folder (sourced, not run).
# The project's copy of shared/tools/container/ (scripts/image-test.sh calls it).
#
# Everything lives under $CT_STATE (default ~/.cache/stepstone-container): a podman
# storage of its own (so nothing here touches another podman store on the machine),
# the rootfs trees the stand-in base images are made from, and the runs' workspaces.
# Override any variable from the environment:
#   PROJECT          the stepstone checkout whose Dockerfile/action.yml are tested (default: cwd)
#   CT_STATE         state folder (default ${XDG_CACHE_HOME:-$HOME/.cache}/stepstone-container)
#   STORAGE_DRIVER   overlay (default) or vfs where overlay cannot mount
#   DEBIAN_MIRROR    Debian archive for debootstrap/apt (default: the Debian archive this
#                    machine's apt already uses, as `apt-get indextargets` reports it)
#   DEBIAN_KEYRING   keyring that signs that archive (default: Debian's archive keyring)
#   IMAGE            tag of the built action image (default stepstone-action:test)
#   OCI_RUNTIME      runc (default): Debian 12's crun 1.8 refuses a host with hybrid
#                    cgroups (v1 controllers plus a cgroup2 mount) such as some CI hosts
CT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROJECT=${PROJECT:-$PWD}
CT_STATE=${CT_STATE:-${XDG_CACHE_HOME:-$HOME/.cache}/stepstone-container}
STORAGE_DRIVER=${STORAGE_DRIVER:-overlay}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-$(apt-get indextargets --format '$(REPO_URI)' 'Created-By: Packages' 2>/dev/null \
  | grep -m1 -E '/debian/?$' | sed 's#/$##')}
DEBIAN_KEYRING=${DEBIAN_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}
IMAGE=${IMAGE:-stepstone-action:test}
OCI_RUNTIME=${OCI_RUNTIME:-runc}
mkdir -p "$CT_STATE"

# podman sets a container's open-file and process limits (nofile, nproc) itself, and
# runc applies them to the container's process with prlimit. Where root lacks
# CAP_SYS_RESOURCE (as on some hosts) that fails at start with "error setting rlimit
# type 7 (or 6): operation not permitted", even for values equal to the current ones.
# An empty default_ulimits (and no --ulimit) leaves the spec without rlimits: the
# container inherits this shell's limits, as one under a default dockerd inherits dockerd's.
printf '[containers]\ndefault_ulimits = []\n' > "$CT_STATE/containers.conf"
export CONTAINERS_CONF=$CT_STATE/containers.conf

# podman with this folder's own store. A function, so that "$@" keeps its words.
pod() {
  podman --root "$CT_STATE/storage" --runroot "$CT_STATE/run" \
    --storage-driver "$STORAGE_DRIVER" --cgroup-manager cgroupfs --runtime "$OCI_RUNTIME" "$@"
}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

# The FROM lines of the project's Dockerfile, with ARG defaults substituted
# (only the ARGs declared before the first FROM, which is what FROM may use).
dockerfile_bases() {
  awk '
    /^[[:space:]]*ARG[[:space:]]/ && !seen_from { split($2, kv, "="); if (kv[2] != "") arg[kv[1]] = kv[2] }
    /^[[:space:]]*FROM[[:space:]]/ {
      seen_from = 1; img = $2
      if (img ~ /^--/) img = $3
      for (k in arg) { gsub("\\$\\{" k "\\}", arg[k], img); gsub("\\$" k, arg[k], img) }
      print img
    }' "$PROJECT/Dockerfile"
}

# Stage names (FROM ... AS name), which later FROMs may refer to: not images.
dockerfile_stages() {
  awk 'toupper($1) == "FROM" && toupper($(NF-1)) == "AS" { print $NF }' "$PROJECT/Dockerfile"
}
