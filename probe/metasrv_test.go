package probe

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/stepstone-dev/stepstone/internal/testenv"
	"github.com/stepstone-dev/stepstone/report"
)

// startGRPC serves gRPC on a loopback port, with the health service when
// withHealth; stopped by t.Cleanup.
func startGRPC(t *testing.T, withHealth bool, opts ...grpc.ServerOption) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer(opts...)
	if withHealth {
		hs := health.NewServer()
		hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
		healthpb.RegisterHealthServer(s, hs)
	}
	go func() { _ = s.Serve(l) }()
	t.Cleanup(s.Stop)
	return l.Addr().String()
}

func TestProbeMetasrv(t *testing.T) {
	healthy := startGRPC(t, true)
	noHealth := startGRPC(t, false)
	httpSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") }))
	defer httpSrv.Close()
	pki := newTestPKI(t, "grpc")
	cert, key := pki.issue(t, "metasrv", true, time.Time{})
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		t.Fatal(err)
	}
	tlsGRPC := startGRPC(t, true, grpc.Creds(credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{pair}})))
	refused := testenv.RefusedAddr(t)
	hole := testenv.BlackholeAddr(t)
	httpAddr := strings.TrimPrefix(httpSrv.URL, "http://")

	conf := fmt.Sprintf(`node_id = 1
[meta_client]
metasrv_addrs = [
  "%s",
  "%s",
  "%s",
  "%s",
  "%s",
  "%s",
  "fd00::1:3002",
]
`, healthy, noHealth, httpAddr, refused, hole, tlsGRPC)
	opts := probeOpts()
	opts.Timeout = 2 * time.Second
	opts.OnHost = false // leave the datanode's relative data_home alone
	start := time.Now()
	rs := runFile(t, loadTestConfig(t, "datanode.toml", conf), opts)
	elapsed := time.Since(start)
	// Datanode results hold the File data_home check too (skipped, not
	// --on-host); look only at metasrv.
	want := []struct {
		addr   string
		status report.Status
		class  string
		idx    int
	}{
		{healthy, report.Pass, "", 0},
		{noHealth, report.Pass, "", 1},
		{httpAddr, report.Fail, ClassProtocol, 2},
		{refused, report.Fail, ClassRefused, 3},
		{hole, report.Fail, ClassTimeout, 4},
		{tlsGRPC, report.Fail, ClassProtocol, 5},
		{"fd00::1:3002", report.Fail, ClassConfig, 6},
	}
	for _, w := range want {
		r := resultNamed(t, rs, "metasrv "+w.addr)
		wantResult(t, r, w.status, w.class, fmt.Sprintf("meta_client.metasrv_addrs[%d]", w.idx), lineOf(t, conf, `"`+w.addr+`"`))
	}
	if m := resultNamed(t, rs, "metasrv "+noHealth).Message; !strings.Contains(m, "does not implement grpc.health.v1") {
		t.Errorf("UNIMPLEMENTED health should be noted: %s", m)
	}
	if m := resultNamed(t, rs, "metasrv "+httpAddr).Message; !strings.Contains(m, "HTTP/1") {
		t.Errorf("an HTTP/1.1 server should be named as such: %s", m)
	}
	// All probes run at once: the run takes about as long as the slowest
	// (the 2s blackhole), not the sum.
	if elapsed > 2*opts.Timeout+cleanupTimeout {
		t.Errorf("the run took %s; probes do not seem to run concurrently", elapsed)
	}
}

func TestProbeMetasrvNotConfigured(t *testing.T) {
	rs := runFile(t, loadTestConfig(t, "flownode.toml", "node_id = 1\n[flow]\nnum_workers = 1\n"), probeOpts())
	wantResult(t, resultNamed(t, rs, "metasrv"), report.Skip, "", "meta_client.metasrv_addrs", 0)
}

func TestProbeListen(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	free := testenv.FreePort(t)
	conf := fmt.Sprintf(`[http]
addr = "127.0.0.1:%d"
[grpc]
bind_addr = "0.0.0.0:%d"
[mysql]
addr = "%s"
[postgres]
enable = false
addr = "nonsense"
[internal_grpc]
bind_addr = "localhost"
`, free, free, busy.Addr())
	rs := runFile(t, loadTestConfig(t, "frontend.toml", conf), probeOpts())
	wantResult(t, resultNamed(t, rs, "listen http.addr"), report.Pass, "", "http.addr", 2)
	collide := resultNamed(t, rs, "listen grpc.bind_addr")
	wantResult(t, collide, report.Fail, ClassConfig, "grpc.bind_addr", 4)
	if !strings.Contains(collide.Message, "http.addr") {
		t.Errorf("the collision should name the other key: %s", collide.Message)
	}
	wantResult(t, resultNamed(t, rs, "listen mysql.addr"), report.Fail, ClassInUse, "mysql.addr", 6)
	wantResult(t, resultNamed(t, rs, "listen internal_grpc.bind_addr"), report.Fail, ClassConfig, "internal_grpc.bind_addr", 11)
	for _, r := range rs {
		if strings.Contains(r.Name, "postgres.addr") {
			t.Errorf("a disabled server's address was probed: %s", r.Name)
		}
	}
}

func TestProbeTLSFiles(t *testing.T) {
	pki := newTestPKI(t, "frontend")
	cert, key := pki.issue(t, "frontend", true, time.Time{})
	oldCert, oldKey := pki.issue(t, "expired", true, time.Now().Add(-time.Hour))
	_, otherKey := pki.issue(t, "other", true, time.Time{})
	garbage := filepath.Join(t.TempDir(), "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "missing.pem")
	conf := fmt.Sprintf(`[grpc.tls]
mode = "require"
cert_path = %q
key_path = %q
[mysql.tls]
mode = "prefer"
cert_path = %q
key_path = %q
[postgres.tls]
mode = "verify_full"
cert_path = %q
key_path = %q
[internal_grpc.tls]
mode = "require"
cert_path = %q
key_path = %q
`, cert, key, missing, key, cert, otherKey, oldCert, oldKey)
	rs := runFile(t, loadTestConfig(t, "frontend.toml", conf), probeOpts())
	wantResult(t, resultNamed(t, rs, "tls grpc.tls"), report.Pass, "", "grpc.tls.mode", 2)
	wantResult(t, resultNamed(t, rs, "tls mysql.tls"), report.Fail, ClassNotFound, "mysql.tls.cert_path", 7)
	wantResult(t, resultNamed(t, rs, "tls postgres.tls"), report.Fail, ClassTLS, "postgres.tls.cert_path", 11)
	wantResult(t, resultNamed(t, rs, "tls internal_grpc.tls"), report.Fail, ClassTLS, "internal_grpc.tls.cert_path", 15)

	// Off the host, a missing file is only a warning.
	opts := probeOpts()
	opts.OnHost = false
	rs = runFile(t, loadTestConfig(t, "frontend.toml", fmt.Sprintf("[grpc.tls]\nmode = \"require\"\ncert_path = %q\nkey_path = %q\n", missing, garbage)), opts)
	wantResult(t, resultNamed(t, rs, "tls grpc.tls"), report.Warn, "", "grpc.tls.cert_path", 3)
	rs = runFile(t, loadTestConfig(t, "frontend.toml", fmt.Sprintf("[grpc.tls]\nmode = \"require\"\ncert_path = %q\nkey_path = %q\n", garbage, garbage)), opts)
	wantResult(t, resultNamed(t, rs, "tls grpc.tls"), report.Fail, ClassTLS, "grpc.tls.cert_path", 3)
}
