package probe

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/url"
	"testing"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"

	"github.com/stepstone-dev/stepstone/internal/testenv"
)

// testEtcd is an in-process etcd member for probe tests.
type testEtcd struct {
	// Addr is host:port of the client URL; URL has the scheme.
	Addr, URL string
	// PKI signed the server certificate when TLS is on.
	PKI *testPKI
	// RootCert/RootKey authenticate as the etcd root user (TLS + auth).
	RootCert, RootKey string
	e                 *embed.Etcd
	authOn            bool
}

type etcdOptions struct {
	// TLS serves the client port over TLS with a certificate from a test CA.
	TLS bool
	// ClientCertAuth makes etcd take the user name from the client
	// certificate's CN (needs TLS).
	ClientCertAuth bool
	// Auth enables authentication with a root user and a "limited" user
	// that may only read and write under "allowed/".
	Auth bool
	// MaxTxnOps lowers --max-txn-ops when non-zero.
	MaxTxnOps uint
}

const (
	etcdRootPassword    = "etcd-root-Secr3t"
	etcdLimitedPassword = "etcd-limited-Secr3t"
)

// startEtcd starts an embedded etcd on free loopback ports; it is stopped
// by t.Cleanup. A failure to start fails the test.
func startEtcd(t *testing.T, o etcdOptions) *testEtcd {
	t.Helper()
	cfg := embed.NewConfig()
	cfg.Name = "stepstone-test"
	cfg.Dir = t.TempDir()
	cfg.LogLevel = "error"
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	te := &testEtcd{}
	scheme := "http"
	if o.TLS {
		scheme = "https"
		te.PKI = newTestPKI(t, "etcd")
		cert, key := te.PKI.issue(t, "etcd-server", true, time.Time{})
		cfg.ClientTLSInfo = transport.TLSInfo{CertFile: cert, KeyFile: key}
		if o.ClientCertAuth {
			// etcd asks for client certificates whenever it trusts a CA.
			cfg.ClientTLSInfo.TrustedCAFile, cfg.ClientTLSInfo.ClientCertAuth = te.PKI.CAFile, true
		}
		te.RootCert, te.RootKey = te.PKI.issue(t, "root", false, time.Time{})
	}
	clientURL, _ := url.Parse(fmt.Sprintf("%s://127.0.0.1:%d", scheme, testenv.FreePort(t)))
	peerURL, _ := url.Parse(fmt.Sprintf("http://127.0.0.1:%d", testenv.FreePort(t)))
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{*clientURL}, []url.URL{*clientURL}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{*peerURL}, []url.URL{*peerURL}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	if o.MaxTxnOps > 0 {
		cfg.MaxTxnOps = o.MaxTxnOps
	}
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		t.Fatalf("start embedded etcd: %v", err)
	}
	t.Cleanup(e.Close)
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(30 * time.Second):
		t.Fatal("embedded etcd did not become ready in 30s")
	}
	te.e, te.Addr, te.URL = e, clientURL.Host, clientURL.String()
	if o.Auth {
		te.enableAuth(t)
	}
	return te
}

// client returns a root client (by password, or by certificate with TLS).
func (te *testEtcd) client(t *testing.T) *clientv3.Client {
	t.Helper()
	cfg := clientv3.Config{Endpoints: []string{te.Addr}, DialTimeout: 5 * time.Second, Logger: zap.NewNop()}
	if te.PKI != nil {
		cfg.Endpoints = []string{te.URL}
		pair, err := tls.LoadX509KeyPair(te.RootCert, te.RootKey)
		if err != nil {
			t.Fatal(err)
		}
		roots, err := probeLoadRoots(te.PKI.CAFile)
		if err != nil {
			t.Fatal(err)
		}
		cfg.TLS = &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{pair}}
	}
	if te.authOn && te.PKI == nil {
		cfg.Username, cfg.Password = "root", etcdRootPassword
	}
	cli, err := clientv3.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

func (te *testEtcd) enableAuth(t *testing.T) {
	t.Helper()
	cli := te.client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	steps := []func() error{
		func() error { _, err := cli.UserAdd(ctx, "root", etcdRootPassword); return err },
		func() error { _, err := cli.UserGrantRole(ctx, "root", "root"); return err },
		func() error { _, err := cli.RoleAdd(ctx, "limited"); return err },
		func() error {
			_, err := cli.RoleGrantPermission(ctx, "limited", "allowed/", clientv3.GetPrefixRangeEnd("allowed/"), clientv3.PermissionType(clientv3.PermReadWrite))
			return err
		},
		func() error { _, err := cli.UserAdd(ctx, "limited", etcdLimitedPassword); return err },
		func() error { _, err := cli.UserGrantRole(ctx, "limited", "limited"); return err },
		func() error { _, err := cli.AuthEnable(ctx); return err },
	}
	for i, s := range steps {
		if err := s(); err != nil {
			t.Fatalf("etcd auth setup step %d: %v", i, err)
		}
	}
	te.authOn = true
}

// keysUnder lists every key under prefix, as root.
func (te *testEtcd) keysUnder(t *testing.T, prefix string) []string {
	t.Helper()
	cli := te.client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := cli.Get(ctx, prefix, clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		t.Fatalf("list etcd keys under %q: %v", prefix, err)
	}
	return etcdKeys(resp.Kvs)
}

// revision returns the store revision; every write bumps it.
func (te *testEtcd) revision(t *testing.T) int64 {
	t.Helper()
	cli := te.client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := cli.Get(ctx, "stepstone-revision-probe")
	if err != nil {
		t.Fatal(err)
	}
	return resp.Header.Revision
}
