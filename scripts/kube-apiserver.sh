#!/usr/bin/env bash
# A real Kubernetes API server on loopback, for checking the kubectl plugin against what a cluster
# really serves (not client-go fakes): etcd from Debian and kube-apiserver built from the Go
# modules of k8s.io/kubernetes, a self-signed CA and serving certificate, static tokens, RBAC,
# service-account token signing (so `kubectl create token` works), an audit log, and
# greptimedb-operator's GreptimeDBCluster CRD installed.
#
# There is no controller-manager, scheduler or kubelet: objects are stored and validated, but a
# Job never gets a pod, namespaces are not cleaned up on delete, and no ServiceAccount "default"
# appears by itself.
#
#   kube.sh start    build kube-apiserver if not cached, start etcd and kube-apiserver (or reuse
#                    the ones this script started), install the CRD; prints the kubeconfig path
#   kube.sh stop     stop what start started, by the PIDs it recorded (never by name)
#   kube.sh status   say what runs
#   kube.sh env      print `export KUBECONFIG=...` for eval
#   kube.sh clean    stop, then delete the state (etcd data, certs, logs); the binary stays cached
#   kube.sh test     start, run the Go tests tagged `apiserver` against it (cmd/stepstone), stop
#                    (only what this call started); extra args go to go test
#
# The project's copy of shared/tools/kube-apiserver/kube.sh (scripts/test.sh calls it). The tests read
# STEPSTONE_TEST_KUBECONFIG (the admin kubeconfig `start` prints) and fail, saying how to start this,
# when it is not set.
#
# Everything is idempotent: start twice reuses what runs, stop twice is quiet.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/stepstone-kube}   # binary and state; outlives a clone

# --- settings (override from the environment) -------------------------------------------------
# k8s.io/kubernetes release to build; its staging modules (k8s.io/api, apiserver, ...) are the
# matching v0.Y.Z. 1.37.2 matches the client-go v0.37.2 stepstone uses.
KUBE_VERSION=${KUBE_VERSION:-1.37.2}
KUBE_STATE=${KUBE_STATE:-$CACHE/state}                 # certs, tokens, etcd data, logs, kubeconfig
KUBE_APISERVER=${KUBE_APISERVER:-$CACHE/bin/kube-apiserver-v$KUBE_VERSION}   # the cached binary
KUBE_API_ADDR=${KUBE_API_ADDR:-127.0.0.1:26443}           # kube-apiserver's secure port
KUBE_ETCD_ADDR=${KUBE_ETCD_ADDR:-127.0.0.1:26379}         # its own etcd
KUBE_ETCD_PEER=${KUBE_ETCD_PEER:-127.0.0.1:26380}
KUBECONFIG_OUT=${KUBECONFIG_OUT:-$KUBE_STATE/kubeconfig}  # admin (system:masters) kubeconfig
# The CRD: a file of your own, else the one of greptimedb-operator $KUBE_OPERATOR_VERSION taken
# from the Go module proxy (the module zip carries config/crd/), checked against its sha256.
KUBE_CRD=${KUBE_CRD:-}
KUBE_OPERATOR_VERSION=${KUBE_OPERATOR_VERSION:-v0.6.0}
KUBE_CRD_SHA256=${KUBE_CRD_SHA256:-}      # empty: the known sum of v0.6.0's CRD below is used
CRD_SHA256_V060=47ef6e366e5a0e900069e5b527201d17c2da45caf91dc689974edcdcddec7e45

log=$KUBE_STATE/kube.log
mkdir -p "$KUBE_STATE" "$(dirname "$KUBE_APISERVER")"

say() { echo "kube: $*" >&2; }
up() { timeout 1 bash -c "exec 3<>/dev/tcp/${1%:*}/${1#*:}" 2>/dev/null; }

# alive NAME: the PID in $KUBE_STATE/NAME.pid runs the program this script started under that
# name (checked by /proc/PID/exe, so a reused PID is never taken for ours).
alive() {
  local pid exe; pid=$(cat "$KUBE_STATE/$1.pid" 2>/dev/null) || return 1
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
  [ "$exe" = "$(cat "$KUBE_STATE/$1.exe" 2>/dev/null)" ]
}

# --- build ----------------------------------------------------------------------------------
# A throwaway module requires k8s.io/kubernetes vX.Y.Z and pins every staging module that its
# go.mod requires as v0.0.0 to the published v0.Y.Z (upstream points them at ./staging).
build() {
  [ -x "$KUBE_APISERVER" ] && return 0
  command -v go >/dev/null || { say "go is needed to build kube-apiserver"; return 1; }
  local mod=$KUBE_STATE/build-v$KUBE_VERSION staging upstream t0
  mkdir -p "$mod"
  upstream=$(cd "$mod" && GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@v$KUBE_VERSION" |
    sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')
  [ -f "$upstream" ] || { say "could not download k8s.io/kubernetes@v$KUBE_VERSION's go.mod"; return 1; }
  staging=$(awk '/^require/,/^\)/' "$upstream" | awk '$1 ~ /^k8s\.io\// && $2 == "v0.0.0" {print $1}')
  {
    echo "module local/kube-apiserver-build"
    echo
    echo "go 1.26.0"
    echo
    echo "require k8s.io/kubernetes v$KUBE_VERSION"
    echo
    echo "replace ("
    for m in $staging; do echo "	$m => $m v0.${KUBE_VERSION#*.}"; done
    echo ")"
  } >"$mod/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "k8s.io/kubernetes/cmd/kube-apiserver"\n' >"$mod/tools.go"
  # measured for v1.37.2: 24 CPU-minutes (54 minutes' wall time on 2 cores shared with other
  # builds), 2.3 GB peak RSS, 114 MB stripped; a later build with a warm Go cache only links (40 s)
  say "building kube-apiserver v$KUBE_VERSION (about 25 CPU-minutes; log: $log)"
  t0=$(date +%s)
  (cd "$mod" && go mod tidy && CGO_ENABLED=0 go build -trimpath -o "$KUBE_APISERVER.tmp" \
    -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=v$KUBE_VERSION \
      -X k8s.io/component-base/version.gitMajor=${KUBE_VERSION%%.*} \
      -X k8s.io/component-base/version.gitMinor=$(echo "$KUBE_VERSION" | cut -d. -f2) \
      -X k8s.io/component-base/version.gitTreeState=clean" \
    k8s.io/kubernetes/cmd/kube-apiserver) >>"$log" 2>&1 || { say "build failed: see $log"; return 1; }
  mv "$KUBE_APISERVER.tmp" "$KUBE_APISERVER"
  say "built $KUBE_APISERVER in $(( $(date +%s) - t0 ))s, $(du -m "$KUBE_APISERVER" | cut -f1) MB"
}

# --- certificates, keys, tokens, policy -------------------------------------------------------
pki() {
  local p=$KUBE_STATE/pki
  mkdir -p "$p"
  [ -f "$p/ca.crt" ] || openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=stepstone-test-ca" \
    -keyout "$p/ca.key" -out "$p/ca.crt" >>"$log" 2>&1 || return 1
  if [ ! -f "$p/serving.crt" ]; then
    openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" -keyout "$p/serving.key" -out "$p/serving.csr" >>"$log" 2>&1 &&
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n' >"$p/serving.ext" &&
    openssl x509 -req -in "$p/serving.csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" -CAcreateserial -days 3650 \
      -extfile "$p/serving.ext" -out "$p/serving.crt" >>"$log" 2>&1 || return 1
  fi
  # service-account token signing (TokenRequest: `kubectl create token SA`)
  [ -f "$p/sa.key" ] || { openssl genrsa -out "$p/sa.key" 2048 >>"$log" 2>&1 && openssl rsa -in "$p/sa.key" -pubout -out "$p/sa.pub" >>"$log" 2>&1; } || return 1
  # static tokens: token,user,uid,"groups"; an admin, and a user with no RBAC at all
  if [ ! -f "$KUBE_STATE/tokens.csv" ]; then
    { echo "$(openssl rand -hex 24),stepstone-admin,uid-admin,\"system:masters\""
      echo "$(openssl rand -hex 24),stepstone-nobody,uid-nobody,\"\""; } >"$KUBE_STATE/tokens.csv"
    chmod 600 "$KUBE_STATE/tokens.csv"
  fi
  # audit: one Metadata event per request (verb, URI, user, user agent, status), nothing else
  [ -f "$KUBE_STATE/audit-policy.yaml" ] || cat >"$KUBE_STATE/audit-policy.yaml" <<'EOF'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: None
    nonResourceURLs: ["/healthz*", "/livez*", "/readyz*"]
  - level: Metadata
EOF
}

token_of() { awk -F, -v u="$1" '$2 == u {print $1}' "$KUBE_STATE/tokens.csv"; }

kubeconfig() { # write $KUBECONFIG_OUT for the admin token
  KUBECONFIG=$KUBECONFIG_OUT kubectl config set-cluster acc --server "https://$KUBE_API_ADDR" \
    --certificate-authority "$KUBE_STATE/pki/ca.crt" --embed-certs >/dev/null &&
  KUBECONFIG=$KUBECONFIG_OUT kubectl config set-credentials acc-admin --token "$(token_of stepstone-admin)" >/dev/null &&
  KUBECONFIG=$KUBECONFIG_OUT kubectl config set-context acc --cluster acc --user acc-admin >/dev/null &&
  KUBECONFIG=$KUBECONFIG_OUT kubectl config use-context acc >/dev/null && chmod 600 "$KUBECONFIG_OUT"
}

# --- processes ----------------------------------------------------------------------------------
spawn() { # NAME PROGRAM ARGS...: start in the background, record PID and executable
  local name=$1; shift
  nohup "$@" >>"$KUBE_STATE/$name.log" 2>&1 &
  echo $! >"$KUBE_STATE/$name.pid"
  readlink -f "$1" >"$KUBE_STATE/$name.exe"
}

start_etcd() {
  alive etcd && return 0
  up "$KUBE_ETCD_ADDR" && { say "$KUBE_ETCD_ADDR is taken by a process this script did not start"; return 1; }
  command -v etcd >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y etcd-server etcd-client >>"$log" 2>&1
  spawn etcd "$(command -v etcd)" --name kube --data-dir "$KUBE_STATE/etcd" \
    --listen-client-urls "http://$KUBE_ETCD_ADDR" --advertise-client-urls "http://$KUBE_ETCD_ADDR" \
    --listen-peer-urls "http://$KUBE_ETCD_PEER" --initial-advertise-peer-urls "http://$KUBE_ETCD_PEER" \
    --initial-cluster "kube=http://$KUBE_ETCD_PEER"
  for _ in $(seq 1 60); do up "$KUBE_ETCD_ADDR" && return 0; sleep 0.5; done
  say "etcd did not come up: see $KUBE_STATE/etcd.log"; return 1
}

ready() { curl -sf --cacert "$KUBE_STATE/pki/ca.crt" -H "Authorization: Bearer $(token_of stepstone-admin)" \
  "https://$KUBE_API_ADDR/readyz" >/dev/null 2>&1; }

start_apiserver() {
  alive apiserver && ready && return 0
  alive apiserver || { up "$KUBE_API_ADDR" && { say "$KUBE_API_ADDR is taken by a process this script did not start"; return 1; }
  spawn apiserver "$KUBE_APISERVER" \
    --etcd-servers "http://$KUBE_ETCD_ADDR" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "${KUBE_API_ADDR#*:}" \
    --tls-cert-file "$KUBE_STATE/pki/serving.crt" --tls-private-key-file "$KUBE_STATE/pki/serving.key" \
    --token-auth-file "$KUBE_STATE/tokens.csv" \
    --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$KUBE_STATE/pki/sa.pub" \
    --service-account-signing-key-file "$KUBE_STATE/pki/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16 \
    --endpoint-reconciler-type none \
    --audit-policy-file "$KUBE_STATE/audit-policy.yaml" --audit-log-path "$KUBE_STATE/audit.log" \
    --audit-log-maxsize 100 --audit-log-maxbackup 1 \
    --profiling=false; }
  for _ in $(seq 1 120); do ready && return 0; alive apiserver || break; sleep 0.5; done
  say "kube-apiserver did not become ready: see $KUBE_STATE/apiserver.log"; return 1
}

# --- the CRD ------------------------------------------------------------------------------------
crd_file() {
  local f=$KUBE_STATE/greptime.io_greptimedbclusters.yaml dir want
  if [ -n "$KUBE_CRD" ]; then echo "$KUBE_CRD"; return 0; fi
  if [ ! -f "$f" ]; then
    # The proxy serves the module; the checksum database does not know it, hence GONOSUMDB and
    # the sha256 check below instead.
    dir=$(cd "$KUBE_STATE" && GONOSUMDB=github.com/GreptimeTeam GOFLAGS=-mod=mod \
      go mod download -json "github.com/GreptimeTeam/greptimedb-operator@$KUBE_OPERATOR_VERSION" |
      sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
    [ -f "$dir/config/crd/resources/greptime.io_greptimedbclusters.yaml" ] ||
      { say "could not get greptimedb-operator@$KUBE_OPERATOR_VERSION from the module proxy; set KUBE_CRD"; return 1; }
    want=${KUBE_CRD_SHA256:-}
    [ -z "$want" ] && [ "$KUBE_OPERATOR_VERSION" = v0.6.0 ] && want=$CRD_SHA256_V060
    if [ -n "$want" ] && ! echo "$want  $dir/config/crd/resources/greptime.io_greptimedbclusters.yaml" | sha256sum -c --quiet >/dev/null 2>&1; then
      say "the CRD of greptimedb-operator@$KUBE_OPERATOR_VERSION does not match its sha256"; return 1
    fi
    cp "$dir/config/crd/resources/greptime.io_greptimedbclusters.yaml" "$f"
  fi
  echo "$f"
}

install_crd() {
  local f; f=$(crd_file) || return 1
  # server-side: the CRD (1.4 MB) is too big for client-side apply's last-applied annotation
  KUBECONFIG=$KUBECONFIG_OUT kubectl apply --server-side --force-conflicts -f "$f" >>"$log" 2>&1 ||
    { say "could not install the CRD: see $log"; return 1; }
  # (not `kubectl wait`: it fails outright while the CRD has no status.conditions yet)
  for _ in $(seq 1 120); do
    [ "$(KUBECONFIG=$KUBECONFIG_OUT kubectl get crd greptimedbclusters.greptime.io \
      -o jsonpath='{.status.conditions[?(@.type=="Established")].status}' 2>>"$log")" = True ] && return 0
    sleep 0.5
  done
  say "the CRD did not become Established: see $log"; return 1
}

# --- commands -----------------------------------------------------------------------------------
need_kubectl() {
  command -v kubectl >/dev/null && return 0
  DEBIAN_FRONTEND=noninteractive apt-get install -y kubectl >>"$log" 2>&1 && command -v kubectl >/dev/null && return 0
  say "kubectl is needed (to write the kubeconfig and install the CRD) and could not be installed with apt-get"; return 1
}

start() {
  need_kubectl && build && pki && start_etcd && start_apiserver && kubeconfig && install_crd || return 1
  echo "$KUBECONFIG_OUT"
}

stop_one() {
  local pid; alive "$1" || { rm -f "$KUBE_STATE/$1.pid"; return 0; }
  pid=$(cat "$KUBE_STATE/$1.pid")
  kill "$pid"
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  rm -f "$KUBE_STATE/$1.pid"
}

stop() { stop_one apiserver; stop_one etcd; }

status() {
  alive etcd && echo "etcd           up   $KUBE_ETCD_ADDR (pid $(cat "$KUBE_STATE/etcd.pid"))" || echo "etcd           down"
  if alive apiserver && ready; then echo "kube-apiserver up   https://$KUBE_API_ADDR (pid $(cat "$KUBE_STATE/apiserver.pid")), KUBECONFIG=$KUBECONFIG_OUT"
  else echo "kube-apiserver down"; fi
}

run_tests() {
  local started=0 kc
  alive apiserver && ready || started=1
  kc=$(start) || return 1
  (cd "$here/.." && STEPSTONE_TEST_KUBECONFIG=$kc go test -count=1 -tags apiserver -run 'APIServer' "$@" ./cmd/stepstone/)
  local rc=$?
  [ "$started" = 1 ] && [ "${KUBE_KEEP:-0}" != 1 ] && stop
  return $rc
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  env) echo "export KUBECONFIG=$KUBECONFIG_OUT" ;;
  clean) stop && rm -rf "$KUBE_STATE" ;;
  build) build ;;
  test) shift; run_tests "$@" ;;
  *) echo "usage: kube-apiserver.sh start|stop|status|env|clean|build|test" >&2; exit 2 ;;
esac
