package probe

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

// testTimeout bounds every probe in these tests.
const testTimeout = 5 * time.Second

// loadTestConfig writes a TOML config named name (the name tells the
// component, as "metasrv.toml") into a temp dir and loads it.
func loadTestConfig(t *testing.T, name, text string) *configs.File {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := configs.Load(path, []byte(text), "")
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	if f.SyntaxError != nil {
		t.Fatalf("load %s: %v", name, f.SyntaxError)
	}
	return f
}

// probeOpts returns options for a test run with a fresh run id.
func probeOpts() Options {
	return Options{Timeout: testTimeout, OnHost: true, RunID: NewRunID()}
}

// runFile probes one config the way the CLI does.
func runFile(t *testing.T, f *configs.File, opts Options) []report.ProbeResult {
	t.Helper()
	res := RunProbes(context.Background(), []*configs.File{f}, opts)
	if len(res) != 1 {
		t.Fatalf("RunProbes returned %d result lists, want 1", len(res))
	}
	for _, r := range res[0] {
		t.Logf("%s %s [%s] %s: %s (suggestion: %s) %s", r.Status, r.Name, r.Class, r.Pos, r.Message, r.Suggestion, r.Duration.Round(time.Millisecond))
	}
	return res[0]
}

// resultNamed returns the only result whose name starts with prefix.
func resultNamed(t *testing.T, rs []report.ProbeResult, prefix string) report.ProbeResult {
	t.Helper()
	var found []report.ProbeResult
	for _, r := range rs {
		if strings.HasPrefix(r.Name, prefix) {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		var names []string
		for _, r := range rs {
			names = append(names, r.Name)
		}
		t.Fatalf("want one result named %q..., got %d among %q", prefix, len(found), names)
	}
	return found[0]
}

// wantResult checks status, class and (when line > 0) the key and line.
func wantResult(t *testing.T, r report.ProbeResult, status report.Status, class, key string, line int) {
	t.Helper()
	if r.Status != status || r.Class != class {
		t.Errorf("%s: got %s class %q, want %s class %q (message: %s; suggestion: %s)", r.Name, r.Status, r.Class, status, class, r.Message, r.Suggestion)
	}
	if key != "" && r.Key != key {
		t.Errorf("%s: key %q, want %q", r.Name, r.Key, key)
	}
	if line > 0 && r.Pos.Line != line {
		t.Errorf("%s: position %s, want line %d", r.Name, r.Pos, line)
	}
	if r.Message == "" {
		t.Errorf("%s: empty message", r.Name)
	}
	if strings.HasSuffix(r.Message, ".") {
		t.Errorf("%s: message ends with a period: %q", r.Name, r.Message)
	}
	if (status == report.Fail) && r.Suggestion == "" {
		t.Errorf("%s: a failure without a suggestion", r.Name)
	}
}

// noSecrets fails when a secret shows up anywhere in the results.
func noSecrets(t *testing.T, rs []report.ProbeResult, secrets ...string) {
	t.Helper()
	for _, r := range rs {
		for _, s := range secrets {
			if s == "" {
				continue
			}
			for field, v := range map[string]string{"name": r.Name, "message": r.Message, "suggestion": r.Suggestion, "key": r.Key} {
				if strings.Contains(v, s) {
					t.Errorf("%s: the %s contains a secret: %q", r.Name, field, v)
				}
			}
		}
	}
}

// lineOf returns the 1-based line of text that contains substr.
func lineOf(t *testing.T, text, substr string) int {
	t.Helper()
	for i, l := range strings.Split(text, "\n") {
		if strings.Contains(l, substr) {
			return i + 1
		}
	}
	t.Fatalf("%q not in config", substr)
	return 0
}

// testPKI is a throwaway CA with helpers to issue certificates, written
// into a temp dir at test time (never committed).
type testPKI struct {
	dir    string
	ca     *x509.Certificate
	caKey  *ecdsa.PrivateKey
	CAFile string
}

func newTestPKI(t *testing.T, name string) *testPKI {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name + " test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(2 * 365 * 24 * time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(der)
	p := &testPKI{dir: t.TempDir(), ca: ca, caKey: key}
	p.CAFile = filepath.Join(p.dir, name+"-ca.pem")
	writePEM(t, p.CAFile, "CERTIFICATE", der)
	return p
}

// issue writes a certificate and key for cn; server certificates cover
// 127.0.0.1 and localhost. notAfter zero means a year from now.
func (p *testPKI) issue(t *testing.T, cn string, server bool, notAfter time.Time) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if notAfter.IsZero() {
		notAfter = time.Now().Add(365 * 24 * time.Hour)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-2 * time.Hour),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth},
	}
	if server {
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
		tmpl.DNSNames = []string{"localhost"}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &key.PublicKey, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile = filepath.Join(p.dir, cn+".pem")
	keyFile = filepath.Join(p.dir, cn+"-key.pem")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "PRIVATE KEY", kder)
	return certFile, keyFile
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}
