// Package testenv gives integration tests the addresses and credentials of the
// real servers started by ./scripts/testenv.sh (MinIO, Azurite,
// fake-gcs-server, PostgreSQL, MariaDB), plus small network helpers.
//
// Every accessor checks that its server is reachable and fails the test (never
// skips it) when it is not: a missing server is a broken test environment, not
// a reason to silently test less.
//
// Defaults match scripts/testenv.sh; each value can be overridden with the
// STEPSTONE_TEST_* environment variables that `scripts/testenv.sh env` prints.
package testenv

import (
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"
)

// dialTimeout bounds every reachability probe.
const dialTimeout = 2 * time.Second

const hint = "start it with ./scripts/testenv.sh up"

// AzuriteWellKnownKey is the fixed, publicly documented Azurite account key.
const AzuriteWellKnownKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

// S3Server is an S3-compatible server (MinIO).
type S3Server struct {
	Endpoint  string // host:port, no scheme; plain HTTP
	AccessKey string
	SecretKey string
	Region    string
}

// URL returns the endpoint with its http:// scheme.
func (s S3Server) URL() string { return "http://" + s.Endpoint }

// AzuriteServer is the Azurite blob service.
type AzuriteServer struct {
	Endpoint string // e.g. http://127.0.0.1:10000/devstoreaccount1
	Account  string
	Key      string // base64 account key
}

// GCSServer is fake-gcs-server.
type GCSServer struct {
	Endpoint string // e.g. http://127.0.0.1:14443
}

// SQLServer is what PostgreSQL and MySQL tests share: a server with a test
// database on which User has every privilege and NoPermUser may connect
// but not create anything.
type SQLServer struct {
	Host           string
	Port           int
	User           string
	Password       string
	Database       string
	NoPermUser     string
	NoPermPassword string
}

// Addr returns host:port.
func (s SQLServer) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// sqlServer reads a server's settings from STEPSTONE_TEST_<kind>_*.
func sqlServer(t testing.TB, kind string, port int, password string) SQLServer {
	t.Helper()
	p := "STEPSTONE_TEST_" + kind + "_"
	return SQLServer{
		Host:           env(p+"HOST", "127.0.0.1"),
		Port:           envPort(t, p+"PORT", port),
		User:           env(p+"USER", "stepstone"),
		Password:       env(p+"PASSWORD", password),
		Database:       env(p+"DATABASE", "stepstone_test"),
		NoPermUser:     env(p+"NOPERM_USER", "stepstone_noperm"),
		NoPermPassword: env(p+"NOPERM_PASSWORD", "stepstone-noperm-pass"),
	}
}

// PGServer is the PostgreSQL server.
type PGServer struct{ SQLServer }

// DSN returns a postgres:// URI for User.
func (p PGServer) DSN() string { return p.DSNFor(p.User, p.Password) }

// NoPermDSN returns a postgres:// URI for NoPermUser.
func (p PGServer) NoPermDSN() string { return p.DSNFor(p.NoPermUser, p.NoPermPassword) }

// DSNFor returns a postgres:// URI for arbitrary credentials, e.g. a wrong
// password.
func (p PGServer) DSNFor(user, password string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(user, password),
		Host:     p.Addr(),
		Path:     "/" + p.Database,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// MySQLServer is the MySQL-compatible server (MariaDB).
type MySQLServer struct{ SQLServer }

// URL returns mysql://user:pass@host:port/db, the form GreptimeDB's
// meta store_addrs uses.
func (m MySQLServer) URL() string { return m.URLFor(m.User, m.Password) }

// NoPermURL is URL for NoPermUser.
func (m MySQLServer) NoPermURL() string { return m.URLFor(m.NoPermUser, m.NoPermPassword) }

// URLFor returns a mysql:// URL for arbitrary credentials.
func (m MySQLServer) URLFor(user, password string) string {
	u := url.URL{
		Scheme: "mysql",
		User:   url.UserPassword(user, password),
		Host:   m.Addr(),
		Path:   "/" + m.Database,
	}
	return u.String()
}

func env(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}

func envPort(t testing.TB, key string, def int) int {
	t.Helper()
	v, ok := os.LookupEnv(key)
	if !ok || v == "" {
		return def
	}
	p, err := strconv.Atoi(v)
	if err != nil || p <= 0 || p > 65535 {
		t.Fatalf("testenv: %s=%q is not a valid port", key, v)
	}
	return p
}

// requireTCP fails the test when nothing accepts connections on addr.
func requireTCP(t testing.TB, what, addr string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, dialTimeout)
	if err != nil {
		t.Fatalf("testenv: %s is not reachable at %s: %v; %s", what, addr, err, hint)
	}
	_ = c.Close()
}

// hostPortOf returns host:port of an http(s) URL, adding the default port.
func hostPortOf(t testing.TB, what, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		t.Fatalf("testenv: %s endpoint %q is not a valid URL: %v", what, raw, err)
	}
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "https" {
		return net.JoinHostPort(u.Hostname(), "443")
	}
	return net.JoinHostPort(u.Hostname(), "80")
}

// MinIO returns the MinIO server, failing the test unless its liveness
// endpoint answers 200.
func MinIO(t testing.TB) S3Server {
	t.Helper()
	s := S3Server{
		Endpoint:  env("STEPSTONE_TEST_S3_ENDPOINT", "127.0.0.1:19000"),
		AccessKey: env("STEPSTONE_TEST_S3_ACCESS_KEY", "stepstone-minio"),
		SecretKey: env("STEPSTONE_TEST_S3_SECRET_KEY", "stepstone-minio-secret"),
		Region:    env("STEPSTONE_TEST_S3_REGION", "us-east-1"),
	}
	requireTCP(t, "MinIO (S3)", s.Endpoint)
	client := &http.Client{Timeout: dialTimeout}
	resp, err := client.Get(s.URL() + "/minio/health/live")
	if err != nil {
		t.Fatalf("testenv: MinIO (S3) at %s: health check failed: %v; %s", s.Endpoint, err, hint)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("testenv: MinIO (S3) at %s: /minio/health/live returned %s; %s", s.Endpoint, resp.Status, hint)
	}
	return s
}

// Azurite returns the Azurite blob service.
func Azurite(t testing.TB) AzuriteServer {
	t.Helper()
	a := AzuriteServer{
		Endpoint: env("STEPSTONE_TEST_AZURITE_ENDPOINT", "http://127.0.0.1:10000/devstoreaccount1"),
		Account:  env("STEPSTONE_TEST_AZURITE_ACCOUNT", "devstoreaccount1"),
		Key:      env("STEPSTONE_TEST_AZURITE_KEY", AzuriteWellKnownKey),
	}
	requireTCP(t, "Azurite (Azure Blob)", hostPortOf(t, "Azurite", a.Endpoint))
	return a
}

// FakeGCS returns fake-gcs-server.
func FakeGCS(t testing.TB) GCSServer {
	t.Helper()
	g := GCSServer{Endpoint: env("STEPSTONE_TEST_GCS_ENDPOINT", "http://127.0.0.1:14443")}
	requireTCP(t, "fake-gcs-server (GCS)", hostPortOf(t, "fake-gcs-server", g.Endpoint))
	return g
}

// Postgres returns the PostgreSQL server.
func Postgres(t testing.TB) PGServer {
	t.Helper()
	p := PGServer{sqlServer(t, "PG", 5432, "stepstone-pg-pass")}
	requireTCP(t, "PostgreSQL", p.Addr())
	return p
}

// MySQL returns the MySQL-compatible server (MariaDB).
func MySQL(t testing.TB) MySQLServer {
	t.Helper()
	m := MySQLServer{sqlServer(t, "MYSQL", 3306, "stepstone-my-pass")}
	requireTCP(t, "MySQL (MariaDB)", m.Addr())
	return m
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testenv: FreePort: %v", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		t.Fatalf("testenv: FreePort: %v", err)
	}
	return port
}

// RefusedAddr returns a 127.0.0.1 address with nothing listening, so
// connecting to it fails at once with "connection refused".
func RefusedAddr(t testing.TB) string {
	t.Helper()
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(FreePort(t)))
}

// BlackholeAddr returns the address of a listener on 127.0.0.1 that accepts
// connections and never sends a byte, to exercise timeouts. It is closed,
// along with every accepted connection, by t.Cleanup.
func BlackholeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testenv: BlackholeAddr: %v", err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return // listener closed
			}
			mu.Lock()
			conns = append(conns, c) // held open, never read or written
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return l.Addr().String()
}
