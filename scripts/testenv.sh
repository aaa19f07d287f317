#!/usr/bin/env bash
# Real-server test environment for stepstone's integration tests.
#
#   scripts/testenv.sh up      build/install (cached), start, provision; idempotent
#   scripts/testenv.sh down    stop MinIO, Azurite, fake-gcs-server (PG/MariaDB stay up)
#   scripts/testenv.sh status  one line per service; exit 1 if any is down
#   scripts/testenv.sh env     print the export lines the Go tests read
#
# Every server listens on 127.0.0.1 only. The object stores' ports can be
# moved with STEPSTONE_MINIO_PORT, STEPSTONE_AZURITE_PORT, STEPSTONE_GCS_PORT.
# A server already listening on a port counts only if it accepts the test
# credentials; anything else is reported as holding the port. Binaries are cached outside the repo
# in $STEPSTONE_CACHE (default ~/.cache/stepstone); data dirs, logs and pid
# files live in $STEPSTONE_RUN (default /tmp/stepstone-testenv).
# Single-quoted bash -c bodies are expanded by the inner shell on purpose.
# shellcheck disable=SC2016
set -euo pipefail

CACHE_DIR=${STEPSTONE_CACHE:-${HOME:-/root}/.cache/stepstone}
BIN_DIR=$CACHE_DIR/bin
RUN_DIR=${STEPSTONE_RUN:-/tmp/stepstone-testenv}

MINIO_PKG=github.com/minio/minio@latest
FAKEGCS_PKG=github.com/fsouza/fake-gcs-server@latest
AZURITE_VERSION=3.37.0

MINIO_PORT=${STEPSTONE_MINIO_PORT:-19000}
MINIO_CONSOLE_PORT=19001
MINIO_USER=stepstone-minio
MINIO_PASSWORD=stepstone-minio-secret
AZURITE_PORT=${STEPSTONE_AZURITE_PORT:-10000}
AZURITE_ACCOUNT=devstoreaccount1
# Azurite's fixed, publicly documented development key (not a secret).
AZURITE_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
GCS_PORT=${STEPSTONE_GCS_PORT:-14443}

PG_PORT=5432
PG_USER=stepstone
PG_PASSWORD=stepstone-pg-pass
PG_NOPERM_USER=stepstone_noperm
PG_NOPERM_PASSWORD=stepstone-noperm-pass
PG_DB=stepstone_test

MY_PORT=3306
MY_USER=stepstone
MY_PASSWORD=stepstone-my-pass
MY_NOPERM_USER=stepstone_noperm
MY_NOPERM_PASSWORD=stepstone-noperm-pass
MY_DB=stepstone_test

START_TIMEOUT=${STEPSTONE_START_TIMEOUT:-60}

log() { printf 'testenv: %s\n' "$*" >&2; }
die() { printf 'testenv: ERROR: %s\n' "$*" >&2; exit 1; }

# die_with_log SERVICE LOGFILE MESSAGE
die_with_log() {
  printf 'testenv: ERROR: %s: %s\n' "$1" "$3" >&2
  if [[ -f $2 ]]; then
    printf -- '--- last 30 lines of %s ---\n' "$2" >&2
    tail -n 30 "$2" >&2 || true
    printf -- '--- end of %s ---\n' "$2" >&2
  fi
  exit 1
}

# as_root CMD...: package installs and daemon starts need root.
as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

find_go() {
  if command -v go >/dev/null 2>&1; then
    command -v go
  elif [[ -x /usr/local/go/bin/go ]]; then
    echo /usr/local/go/bin/go
  else
    die "go toolchain not found (needed to build minio and fake-gcs-server)"
  fi
}

# tcp_open PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
tcp_open() {
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

# http_status PORT PATH: print the HTTP status code (or nothing). Uses bash's
# /dev/tcp so a fresh machine does not need curl.
http_status() {
  timeout 3 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "GET %s HTTP/1.0\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n" "$2" "$1" >&3
    IFS=" " read -r _ code _ <&3 && printf "%s\n" "$code"
  ' _ "$1" "$2" 2>/dev/null || true
}

# http_raw PORT REQUEST: send a raw HTTP/1.0 request, print the response head.
http_raw() {
  timeout 3 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "%s" "$2" >&3
    while IFS= read -r line <&3; do
      line=${line%$'"'"'\r'"'"'}
      [[ -z $line ]] && break
      printf "%s\n" "$line"
    done
  ' _ "$1" "$2" 2>/dev/null || true
}

# hmac_hex KEYSPEC DATA: HMAC-SHA256 in hex; KEYSPEC is key:STRING or hexkey:HEX.
hmac_hex() {
  printf '%s' "$2" | openssl dgst -sha256 -mac HMAC -macopt "$1" | awk '{print $NF}'
}

# minio_creds_ok: a SigV4-signed ListBuckets with the test credentials is
# answered 200 (a MinIO with other credentials answers 403).
minio_creds_ok() {
  local now day empty creq sts k sig
  now=$(date -u +%Y%m%dT%H%M%SZ) day=${now%%T*}
  empty=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
  creq=$(printf 'GET\n/\n\nhost:127.0.0.1:%s\nx-amz-content-sha256:%s\nx-amz-date:%s\n\nhost;x-amz-content-sha256;x-amz-date\n%s' \
    "$MINIO_PORT" "$empty" "$now" "$empty")
  sts=$(printf 'AWS4-HMAC-SHA256\n%s\n%s/us-east-1/s3/aws4_request\n%s' "$now" "$day" \
    "$(printf '%s' "$creq" | openssl dgst -sha256 | awk '{print $NF}')")
  k=$(hmac_hex "key:AWS4$MINIO_PASSWORD" "$day")
  k=$(hmac_hex "hexkey:$k" us-east-1)
  k=$(hmac_hex "hexkey:$k" s3)
  k=$(hmac_hex "hexkey:$k" aws4_request)
  sig=$(hmac_hex "hexkey:$k" "$sts")
  local req
  printf -v req 'GET / HTTP/1.0\r\nHost: 127.0.0.1:%s\r\nx-amz-content-sha256: %s\r\nx-amz-date: %s\r\nAuthorization: AWS4-HMAC-SHA256 Credential=%s/%s/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=%s\r\nConnection: close\r\n\r\n' \
    "$MINIO_PORT" "$empty" "$now" "$MINIO_USER" "$day" "$sig"
  http_raw "$MINIO_PORT" "$req" | head -n 1 | grep -q ' 200 '
}

# azurite_creds_ok: a SharedKey-signed List Containers with the development
# account key is answered 200.
azurite_creds_ok() {
  local now ver sts sig
  now=$(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S GMT') ver=2021-08-06
  sts=$(printf 'GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:%s\nx-ms-version:%s\n/%s/%s\ncomp:list' "$now" "$ver" "$AZURITE_ACCOUNT" "$AZURITE_ACCOUNT")
  sig=$(printf '%s' "$sts" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$(printf '%s' "$AZURITE_KEY" | base64 -d | od -An -tx1 | tr -d ' \n')" -binary | base64 -w0)
  local req
  printf -v req 'GET /%s?comp=list HTTP/1.0\r\nHost: 127.0.0.1:%s\r\nx-ms-date: %s\r\nx-ms-version: %s\r\nAuthorization: SharedKey %s:%s\r\nConnection: close\r\n\r\n' \
    "$AZURITE_ACCOUNT" "$AZURITE_PORT" "$now" "$ver" "$AZURITE_ACCOUNT" "$sig"
  http_raw "$AZURITE_PORT" "$req" | head -n 1 | grep -q ' 200 '
}

# gcs_is_fake: the server on the GCS port is fake-gcs-server (no
# credentials): its bucket list is {"kind":"storage#buckets"...}.
gcs_is_fake() {
  timeout 3 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "GET /storage/v1/b HTTP/1.0\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n" "$1" >&3
    cat <&3
  ' _ "$GCS_PORT" 2>/dev/null | grep -q '"kind": *"storage#buckets"'
}

# pg_login_ok / my_login_ok: the test role logs in over TCP with its password.
pg_login_ok() {
  PGPASSWORD=$PG_PASSWORD PGCONNECT_TIMEOUT=3 psql -X -q -h 127.0.0.1 -p "$PG_PORT" \
    -U "$PG_USER" -d "$PG_DB" -c 'SELECT 1' >/dev/null 2>&1
}
my_login_ok() {
  MYSQL_PWD=$MY_PASSWORD mysql --connect-timeout=3 -h 127.0.0.1 -P "$MY_PORT" -u"$MY_USER" \
    -e 'SELECT 1' "$MY_DB" >/dev/null 2>&1
}

# foreign NAME PORT WHAT: die saying that something else holds the port.
foreign() {
  die "$1: 127.0.0.1:$2 is held by a server that $3; it is not this test environment's. Stop it (see: ss -ltnp 'sport = :$2') and run $0 up again"
}

# pid_alive NAME: the pid file exists and its process still runs. The
# command-line check guards against a recycled pid after a reboot or crash.
pid_alive() {
  local f=$RUN_DIR/$1.pid pid
  [[ -f $f ]] || return 1
  pid=$(<"$f")
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  # While a process is inside execve its cmdline reads empty for a moment
  # (the kernel sets the new argument area after swapping the address space),
  # and our servers exec two or three times on the way up (bash, env, node).
  # An empty cmdline is therefore "still starting", not "someone else".
  # A zombie's cmdline is empty too, so rule that out first.
  local cmd= stat=
  [[ -r /proc/$pid/stat ]] && stat=$(<"/proc/$pid/stat") && [[ ${stat##*) } == Z* ]] && return 1
  [[ -r /proc/$pid/cmdline ]] && cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)
  [[ -z $cmd ]] || grep -qF -- "$(proc_marker "$1")" <<<"$cmd"
}

proc_marker() {
  case $1 in
    minio) echo "$BIN_DIR/minio" ;;
    azurite) echo azurite-blob ;;
    fake-gcs) echo fake-gcs-server ;;
    *) echo "$1" ;;
  esac
}

# launch NAME CMD...: start a detached server (own session, so it outlives this
# script and the caller's process group). The wrapper writes its own pid before
# exec'ing, so the pid file is right even if setsid has to fork. fd 9 (our lock)
# is closed so the server does not hold it forever.
launch() {
  local name=$1
  shift
  : >"$RUN_DIR/$name.log"
  setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$RUN_DIR/$name.pid" "$@" \
    </dev/null >>"$RUN_DIR/$name.log" 2>&1 9>&- &
  # Give the wrapper a moment to write the pid file.
  local i
  for ((i = 0; i < 50; i++)); do
    [[ -s $RUN_DIR/$name.pid ]] && return 0
    sleep 0.1
  done
  die_with_log "$name" "$RUN_DIR/$name.log" "process did not start"
}

# wait_until NAME CHECK...: poll CHECK until it succeeds, the process dies, or
# START_TIMEOUT passes.
wait_until() {
  local name=$1 deadline
  shift
  deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if "$@"; then
      return 0
    fi
    # Ask twice before calling it dead: one look can land mid-exec.
    if [[ -f $RUN_DIR/$name.pid ]] && ! pid_alive "$name" && ! { sleep 0.3; pid_alive "$name"; }; then
      "$@" && return 0
      die_with_log "$name" "$RUN_DIR/$name.log" "process (pid $(<"$RUN_DIR/$name.pid")) exited during startup"
    fi
    sleep 0.5
  done
  die_with_log "$name" "$RUN_DIR/$name.log" "not ready after ${START_TIMEOUT}s"
}

minio_ready() { [[ $(http_status "$MINIO_PORT" /minio/health/live) == 200 ]]; }
azurite_ready() { [[ -n $(http_status "$AZURITE_PORT" "/$AZURITE_ACCOUNT?comp=list") ]]; }
gcs_ready() { [[ $(http_status "$GCS_PORT" /storage/v1/b) == 200 ]]; }
pg_ready() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT" -t 2 >/dev/null 2>&1; }
my_ready() { mysqladmin_cmd --connect-timeout=2 -h 127.0.0.1 -P "$MY_PORT" ping >/dev/null 2>&1; }

mysqladmin_cmd() {
  if command -v mariadb-admin >/dev/null 2>&1; then
    mariadb-admin "$@"
  else
    mysqladmin "$@"
  fi
}

# ---------------------------------------------------------------- builds

# build_go NAME PKG: go install into the cache unless the binary is there.
# Runs from the cache dir so the repo's go.mod never matters.
build_go() {
  local name=$1 pkg=$2 gobin start
  if [[ -x $BIN_DIR/$name ]]; then
    return 0
  fi
  gobin=$(find_go)
  log "building $name ($pkg) into $BIN_DIR — this takes several minutes the first time"
  start=$SECONDS
  if ! (cd "$CACHE_DIR" && GOBIN=$BIN_DIR GOFLAGS='' "$gobin" install "$pkg") \
    >"$CACHE_DIR/build-$name.log" 2>&1; then
    die_with_log "$name" "$CACHE_DIR/build-$name.log" "go install $pkg failed"
  fi
  log "built $name in $((SECONDS - start))s"
}

ensure_binaries() {
  mkdir -p "$BIN_DIR"
  # Both Go builds are mostly download + compile; overlap them.
  local pids=() p rc=0
  if [[ ! -x $BIN_DIR/minio ]]; then
    build_go minio "$MINIO_PKG" &
    pids+=($!)
  fi
  if [[ ! -x $BIN_DIR/fake-gcs-server ]]; then
    build_go fake-gcs-server "$FAKEGCS_PKG" &
    pids+=($!)
  fi
  for p in "${pids[@]}"; do
    wait "$p" || rc=1
  done
  ((rc == 0)) || die "building test servers failed (see above)"

  if [[ ! -x $CACHE_DIR/azurite/node_modules/.bin/azurite-blob ]]; then
    if ! command -v npm >/dev/null 2>&1; then
      log "node/npm missing; installing from apt"
      apt_install nodejs npm
    fi
    log "installing azurite@$AZURITE_VERSION into $CACHE_DIR/azurite"
    mkdir -p "$CACHE_DIR/azurite"
    # azurite warns that it wants Node 22; the blob service works on Node 20.
    if ! npm install --prefix "$CACHE_DIR/azurite" --no-audit --no-fund \
      "azurite@$AZURITE_VERSION" >"$CACHE_DIR/build-azurite.log" 2>&1; then
      die_with_log azurite "$CACHE_DIR/build-azurite.log" "npm install azurite failed"
    fi
  fi
}

apt_install() {
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >&2
}

# kubectl, for the plugin-discovery test (`kubectl plugin list`). Debian's
# archive has no "kubectl" package; kubernetes-client ships /usr/bin/kubectl.
ensure_kubectl() {
  if ! command -v kubectl >/dev/null 2>&1; then
    log "kubectl missing; installing kubernetes-client from apt"
    apt_install kubernetes-client
  fi
}

# ---------------------------------------------------------------- object stores

start_minio() {
  if minio_ready; then
    minio_creds_ok || foreign minio "$MINIO_PORT" "answers as MinIO but refuses the test credentials ($MINIO_USER)"
    log "minio: already running on 127.0.0.1:$MINIO_PORT"
    return 0
  fi
  if ! pid_alive minio; then
    tcp_open "$MINIO_PORT" && die "minio: port $MINIO_PORT is taken by something that is not MinIO"
    mkdir -p "$RUN_DIR/minio-data"
    log "minio: starting on 127.0.0.1:$MINIO_PORT"
    launch minio env MINIO_ROOT_USER="$MINIO_USER" MINIO_ROOT_PASSWORD="$MINIO_PASSWORD" \
      MINIO_UPDATE=off MINIO_BROWSER_REDIRECT=off \
      "$BIN_DIR/minio" server --quiet \
      --address "127.0.0.1:$MINIO_PORT" --console-address "127.0.0.1:$MINIO_CONSOLE_PORT" \
      "$RUN_DIR/minio-data"
  fi
  wait_until minio minio_ready
  minio_creds_ok || foreign minio "$MINIO_PORT" "refuses the test credentials ($MINIO_USER)"
  log "minio: ready"
}

start_azurite() {
  if azurite_ready; then
    azurite_creds_ok || foreign azurite "$AZURITE_PORT" "refuses the development account key of $AZURITE_ACCOUNT"
    log "azurite: already running on 127.0.0.1:$AZURITE_PORT"
    return 0
  fi
  if ! pid_alive azurite; then
    tcp_open "$AZURITE_PORT" && die "azurite: port $AZURITE_PORT is taken by something else"
    mkdir -p "$RUN_DIR/azurite-data"
    log "azurite: starting on 127.0.0.1:$AZURITE_PORT"
    launch azurite "$CACHE_DIR/azurite/node_modules/.bin/azurite-blob" \
      --blobHost 127.0.0.1 --blobPort "$AZURITE_PORT" \
      --loose --skipApiVersionCheck --disableTelemetry \
      --location "$RUN_DIR/azurite-data"
  fi
  wait_until azurite azurite_ready
  azurite_creds_ok || foreign azurite "$AZURITE_PORT" "refuses the development account key of $AZURITE_ACCOUNT"
  log "azurite: ready"
}

start_gcs() {
  if gcs_ready; then
    gcs_is_fake || foreign fake-gcs "$GCS_PORT" "does not answer as fake-gcs-server"
    log "fake-gcs: already running on 127.0.0.1:$GCS_PORT"
    return 0
  fi
  if ! pid_alive fake-gcs; then
    tcp_open "$GCS_PORT" && die "fake-gcs: port $GCS_PORT is taken by something else"
    log "fake-gcs: starting on 127.0.0.1:$GCS_PORT"
    launch fake-gcs "$BIN_DIR/fake-gcs-server" \
      -scheme http -host 127.0.0.1 -port "$GCS_PORT" -backend memory \
      -public-host "127.0.0.1:$GCS_PORT" -external-url "http://127.0.0.1:$GCS_PORT" \
      -log-level warn
  fi
  wait_until fake-gcs gcs_ready
  gcs_is_fake || foreign fake-gcs "$GCS_PORT" "does not answer as fake-gcs-server"
  log "fake-gcs: ready"
}

# stop NAME: TERM, then KILL after 10s. Only kills what our pid file names.
stop() {
  local name=$1 pid i
  if ! pid_alive "$name"; then
    rm -f "$RUN_DIR/$name.pid"
    log "$name: not running (no live pid file)"
    return 0
  fi
  pid=$(<"$RUN_DIR/$name.pid")
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name: did not stop on TERM; killing"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$RUN_DIR/$name.pid"
  log "$name: stopped (pid $pid)"
}

# ---------------------------------------------------------------- PostgreSQL

# pg_admin ARGS...: psql as the postgres superuser. Prefer the unix socket as
# the postgres OS user (works with Debian's default peer auth); fall back to
# TCP as postgres (works with trust auth).
pg_admin() {
  if [[ $(id -u) -eq 0 ]] && id postgres >/dev/null 2>&1; then
    (cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" "$@")
  elif [[ $(id -un) == postgres ]]; then
    psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" "$@"
  else
    psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres "$@"
  fi
}

ensure_postgres() {
  if ! command -v pg_isready >/dev/null 2>&1 || ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    log "postgresql: not installed; installing from apt"
    apt_install postgresql
  fi
  if ! pg_ready; then
    local ver
    ver=$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
    [[ -n $ver ]] || die "postgresql: no cluster under /etc/postgresql"
    log "postgresql: starting cluster $ver/main"
    as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main start ||
      die_with_log postgresql "/var/log/postgresql/postgresql-$ver-main.log" "pg_ctlcluster start failed"
    local deadline=$((SECONDS + START_TIMEOUT))
    until pg_ready; do
      ((SECONDS < deadline)) ||
        die_with_log postgresql "/var/log/postgresql/postgresql-$ver-main.log" "not accepting connections"
      sleep 0.5
    done
  fi
  log "postgresql: accepting connections on 127.0.0.1:$PG_PORT"
  provision_postgres
}

provision_postgres() {
  # Passwords must be SCRAM-hashed for the scram-sha-256 hba rule below.
  pg_admin -d postgres <<SQL || die "postgresql: creating roles/database failed"
SET password_encryption = 'scram-sha-256';
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_USER') THEN
    CREATE ROLE $PG_USER LOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_NOPERM_USER') THEN
    CREATE ROLE $PG_NOPERM_USER LOGIN;
  END IF;
END
\$\$;
ALTER ROLE $PG_USER WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '$PG_PASSWORD';
ALTER ROLE $PG_NOPERM_USER WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '$PG_NOPERM_PASSWORD';
SELECT 'CREATE DATABASE $PG_DB OWNER $PG_USER'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$PG_DB') \gexec
ALTER DATABASE $PG_DB OWNER TO $PG_USER;
REVOKE ALL ON DATABASE $PG_DB FROM PUBLIC;
REVOKE ALL ON DATABASE $PG_DB FROM $PG_NOPERM_USER;
GRANT CONNECT ON DATABASE $PG_DB TO $PG_NOPERM_USER;
SQL

  # PG <= 14 lets PUBLIC create in schema public; close that and give the
  # owner role explicit rights so behaviour is the same on every version.
  pg_admin -d "$PG_DB" <<SQL || die "postgresql: setting schema privileges failed"
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON SCHEMA public FROM $PG_NOPERM_USER;
GRANT USAGE ON SCHEMA public TO $PG_NOPERM_USER;
GRANT ALL ON SCHEMA public TO $PG_USER;
SQL

  ensure_pg_hba
  verify_pg_passwords
  log "postgresql: roles $PG_USER, $PG_NOPERM_USER and database $PG_DB ready"
}

# The machine may use trust auth; force password checks for the test roles so
# wrong-password cases are testable. First matching hba line wins, so insert
# before the first rule.
ensure_pg_hba() {
  local hba rule4 rule6 tmp
  hba=$(pg_admin -d postgres -At -c 'SHOW hba_file') || die "postgresql: cannot read hba_file"
  [[ -f $hba ]] || die "postgresql: hba file $hba not found"
  rule4="host all $PG_USER,$PG_NOPERM_USER 127.0.0.1/32 scram-sha-256"
  rule6="host all $PG_USER,$PG_NOPERM_USER ::1/128 scram-sha-256"
  if grep -qE "^host[[:space:]]+all[[:space:]]+${PG_USER},${PG_NOPERM_USER}[[:space:]]+127\.0\.0\.1/32[[:space:]]+scram-sha-256" "$hba"; then
    return 0
  fi
  log "postgresql: adding scram-sha-256 rule for test roles to $hba"
  tmp=$(mktemp)
  awk -v r4="$rule4" -v r6="$rule6" '
    !done && $0 !~ /^[[:space:]]*(#|$)/ {
      print "# stepstone testenv: test roles always need a password"
      print r4
      print r6
      done = 1
    }
    { print }
    END { if (!done) { print r4; print r6 } }
  ' "$hba" >"$tmp"
  # cp onto the existing file keeps its owner and mode.
  as_root cp "$tmp" "$hba"
  rm -f "$tmp"
  pg_admin -d postgres -At -c 'SELECT pg_reload_conf()' >/dev/null ||
    die "postgresql: pg_reload_conf failed"
}

verify_pg_passwords() {
  local i
  # pg_reload_conf is asynchronous; give the postmaster a moment.
  for ((i = 0; i < 20; i++)); do
    if ! PGPASSWORD=wrong-password PGCONNECT_TIMEOUT=3 psql -X -q -h 127.0.0.1 -p "$PG_PORT" \
      -U "$PG_USER" -d "$PG_DB" -c 'SELECT 1' >/dev/null 2>&1; then
      break
    fi
    sleep 0.25
  done
  ((i < 20)) || die "postgresql: a wrong password for $PG_USER is still accepted (check pg_hba.conf)"
  PGPASSWORD=$PG_PASSWORD PGCONNECT_TIMEOUT=3 psql -X -q -h 127.0.0.1 -p "$PG_PORT" \
    -U "$PG_USER" -d "$PG_DB" -c 'SELECT 1' >/dev/null ||
    foreign postgresql "$PG_PORT" "refuses $PG_USER with its password, although the local cluster was provisioned over its socket"
  PGPASSWORD=$PG_NOPERM_PASSWORD PGCONNECT_TIMEOUT=3 psql -X -q -h 127.0.0.1 -p "$PG_PORT" \
    -U "$PG_NOPERM_USER" -d "$PG_DB" -c 'SELECT 1' >/dev/null ||
    die "postgresql: cannot log in as $PG_NOPERM_USER with its password"
}

# ---------------------------------------------------------------- MariaDB

# my_admin ARGS...: mysql client as root. The unix socket works with both
# Debian's unix_socket auth for root and an empty root password.
my_admin() {
  if [[ $(id -u) -eq 0 ]]; then
    mysql --protocol=socket -uroot "$@" 2>/dev/null ||
      mysql -uroot -h 127.0.0.1 -P "$MY_PORT" "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo mysql --protocol=socket -uroot "$@"
  else
    mysql -uroot -h 127.0.0.1 -P "$MY_PORT" "$@"
  fi
}

ensure_mariadb() {
  if [[ ! -x /usr/sbin/mariadbd ]]; then
    log "mariadb: not installed; installing from apt"
    apt_install mariadb-server
  fi
  if ! my_ready; then
    log "mariadb: starting"
    as_root install -d -o mysql -g mysql /run/mysqld
    # --user: mariadbd refuses to run as root; --bind-address keeps it loopback-only.
    as_root start-stop-daemon --start --oknodo --background \
      --exec /usr/sbin/mariadbd -- --user=mysql --bind-address=127.0.0.1 --port="$MY_PORT" ||
      die "mariadb: start-stop-daemon failed"
    local deadline=$((SECONDS + START_TIMEOUT)) errlog=/var/log/mysql/error.log
    until my_ready; do
      ((SECONDS < deadline)) || die_with_log mariadb "$errlog" "not accepting connections"
      sleep 0.5
    done
  fi
  log "mariadb: accepting connections on 127.0.0.1:$MY_PORT"
  provision_mariadb
}

provision_mariadb() {
  local host sql=""
  sql+="CREATE DATABASE IF NOT EXISTS \`$MY_DB\`;"
  for host in 127.0.0.1 localhost; do
    sql+="CREATE USER IF NOT EXISTS '$MY_USER'@'$host' IDENTIFIED BY '$MY_PASSWORD';"
    sql+="ALTER USER '$MY_USER'@'$host' IDENTIFIED BY '$MY_PASSWORD';"
    sql+="GRANT ALL PRIVILEGES ON \`$MY_DB\`.* TO '$MY_USER'@'$host';"
    sql+="CREATE USER IF NOT EXISTS '$MY_NOPERM_USER'@'$host' IDENTIFIED BY '$MY_NOPERM_PASSWORD';"
    sql+="ALTER USER '$MY_NOPERM_USER'@'$host' IDENTIFIED BY '$MY_NOPERM_PASSWORD';"
    # Reset to exactly SELECT, in case an earlier run granted more.
    sql+="REVOKE ALL PRIVILEGES, GRANT OPTION FROM '$MY_NOPERM_USER'@'$host';"
    sql+="GRANT SELECT ON \`$MY_DB\`.* TO '$MY_NOPERM_USER'@'$host';"
  done
  sql+="FLUSH PRIVILEGES;"
  my_admin -e "$sql" || die "mariadb: creating users/database failed (need root access via socket or empty password)"

  if MYSQL_PWD=wrong-password mysql -h 127.0.0.1 -P "$MY_PORT" -u"$MY_USER" -e 'SELECT 1' "$MY_DB" >/dev/null 2>&1; then
    die "mariadb: a wrong password for $MY_USER is accepted"
  fi
  MYSQL_PWD=$MY_PASSWORD mysql -h 127.0.0.1 -P "$MY_PORT" -u"$MY_USER" -e 'SELECT 1' "$MY_DB" >/dev/null ||
    foreign mariadb "$MY_PORT" "refuses $MY_USER with its password, although the local server was provisioned over its socket"
  log "mariadb: users $MY_USER, $MY_NOPERM_USER and database $MY_DB ready"
}

# ---------------------------------------------------------------- commands

print_env() {
  cat <<EOF
export STEPSTONE_TEST_S3_ENDPOINT=127.0.0.1:$MINIO_PORT
export STEPSTONE_TEST_S3_ACCESS_KEY=$MINIO_USER
export STEPSTONE_TEST_S3_SECRET_KEY=$MINIO_PASSWORD
export STEPSTONE_TEST_S3_REGION=us-east-1
export STEPSTONE_TEST_AZURITE_ENDPOINT=http://127.0.0.1:$AZURITE_PORT/$AZURITE_ACCOUNT
export STEPSTONE_TEST_AZURITE_ACCOUNT=$AZURITE_ACCOUNT
export STEPSTONE_TEST_AZURITE_KEY='$AZURITE_KEY'
export STEPSTONE_TEST_GCS_ENDPOINT=http://127.0.0.1:$GCS_PORT
export STEPSTONE_TEST_PG_HOST=127.0.0.1
export STEPSTONE_TEST_PG_PORT=$PG_PORT
export STEPSTONE_TEST_PG_USER=$PG_USER
export STEPSTONE_TEST_PG_PASSWORD=$PG_PASSWORD
export STEPSTONE_TEST_PG_DATABASE=$PG_DB
export STEPSTONE_TEST_PG_NOPERM_USER=$PG_NOPERM_USER
export STEPSTONE_TEST_PG_NOPERM_PASSWORD=$PG_NOPERM_PASSWORD
export STEPSTONE_TEST_MYSQL_HOST=127.0.0.1
export STEPSTONE_TEST_MYSQL_PORT=$MY_PORT
export STEPSTONE_TEST_MYSQL_USER=$MY_USER
export STEPSTONE_TEST_MYSQL_PASSWORD=$MY_PASSWORD
export STEPSTONE_TEST_MYSQL_DATABASE=$MY_DB
export STEPSTONE_TEST_MYSQL_NOPERM_USER=$MY_NOPERM_USER
export STEPSTONE_TEST_MYSQL_NOPERM_PASSWORD=$MY_NOPERM_PASSWORD
EOF
}

# Serialise concurrent `up`/`down` runs (e.g. two test runs at once).
take_lock() {
  mkdir -p "$RUN_DIR"
  exec 9>"$RUN_DIR/.lock"
  if command -v flock >/dev/null 2>&1; then
    flock 9
  fi
}

cmd_up() {
  take_lock
  local start=$SECONDS
  ensure_binaries
  ensure_kubectl
  ensure_postgres
  ensure_mariadb
  start_minio
  start_azurite
  start_gcs
  print_env >"$RUN_DIR/env.sh"
  log "all services up in $((SECONDS - start))s; env written to $RUN_DIR/env.sh"
}

cmd_down() {
  take_lock
  stop minio
  stop azurite
  stop fake-gcs
}

# status_line NAME ADDR CHECK...
status_line() {
  local name=$1 addr=$2 state=down extra=""
  shift 2
  if "$@"; then
    state=up
  fi
  if pid_alive "$name"; then
    extra=" (pid $(<"$RUN_DIR/$name.pid"))"
  fi
  printf '%-10s %-4s %s%s\n' "$name" "$state" "$addr" "$extra"
  [[ $state == up ]]
}

cmd_status() {
  local rc=0
  status_line minio "http://127.0.0.1:$MINIO_PORT" minio_creds_ok || rc=1
  status_line azurite "http://127.0.0.1:$AZURITE_PORT/$AZURITE_ACCOUNT" azurite_creds_ok || rc=1
  status_line fake-gcs "http://127.0.0.1:$GCS_PORT" gcs_is_fake || rc=1
  status_line postgresql "127.0.0.1:$PG_PORT" pg_login_ok || rc=1
  status_line mariadb "127.0.0.1:$MY_PORT" my_login_ok || rc=1
  return "$rc"
}

usage() {
  echo "usage: $0 up|down|status|env" >&2
  exit 2
}

case ${1:-} in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) print_env ;;
  *) usage ;;
esac
