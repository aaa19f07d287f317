package probe

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/internal/testenv"
	"github.com/stepstone-dev/stepstone/report"
)

func TestProbeEtcdHealthy(t *testing.T) {
	te := startEtcd(t, etcdOptions{})
	refused := testenv.RefusedAddr(t)
	conf := fmt.Sprintf(`backend = "etcd_store"
store_addrs = [
  "%s",
  "%s",
]
store_key_prefix = "stepstone-test"
`, te.Addr, refused)
	f := loadTestConfig(t, "metasrv.toml", conf)
	opts := probeOpts()
	rs := runFile(t, f, opts)

	ok := resultNamed(t, rs, "etcd "+te.Addr)
	wantResult(t, ok, report.Pass, "", "store_addrs[0]", lineOf(t, conf, te.Addr))
	if !strings.Contains(ok.Message, "version") || !strings.Contains(ok.Message, "leader") || !strings.Contains(ok.Message, "no alarms") {
		t.Errorf("status facts missing: %s", ok.Message)
	}
	bad := resultNamed(t, rs, "etcd "+refused)
	wantResult(t, bad, report.Fail, ClassRefused, "store_addrs[1]", lineOf(t, conf, refused))
	if bad.Pos.Col != strings.Index(strings.Split(conf, "\n")[bad.Pos.Line-1], `"`)+1 {
		t.Errorf("position %s should point at the value", bad.Pos)
	}

	// The write test goes through both addresses, as metasrv does; the
	// client fails over to the working one.
	w := resultNamed(t, rs, "etcd key-value test")
	wantResult(t, w, report.Pass, "", "", 0)
	if !strings.Contains(w.Message, "stepstone-test/__stepstone/"+opts.RunID+"/") {
		t.Errorf("write test should name its test key: %s", w.Message)
	}
	txn := resultNamed(t, rs, "etcd max_txn_ops")
	wantResult(t, txn, report.Pass, "", "max_txn_ops", 0)
	if left := te.keysUnder(t, "stepstone-test/__stepstone/"); len(left) > 0 {
		t.Errorf("test keys left behind: %q", left)
	}
}

func TestProbeEtcdMaxTxnOpsTooHigh(t *testing.T) {
	te := startEtcd(t, etcdOptions{MaxTxnOps: 16})
	conf := fmt.Sprintf("store_addrs = [\"%s\"]\nmax_txn_ops = 128\n", te.Addr)
	rs := runFile(t, loadTestConfig(t, "metasrv.toml", conf), probeOpts())
	r := resultNamed(t, rs, "etcd max_txn_ops")
	wantResult(t, r, report.Fail, ClassConfig, "max_txn_ops", lineOf(t, conf, "max_txn_ops"))
	if !strings.Contains(r.Message, "at most 16") {
		t.Errorf("the message should give etcd's limit: %s", r.Message)
	}
	// Within the limit it passes.
	conf = fmt.Sprintf("store_addrs = [\"%s\"]\nmax_txn_ops = 16\n", te.Addr)
	rs = runFile(t, loadTestConfig(t, "metasrv.toml", conf), probeOpts())
	wantResult(t, resultNamed(t, rs, "etcd max_txn_ops"), report.Pass, "", "max_txn_ops", 2)
}

func TestProbeEtcdAuthRequired(t *testing.T) {
	te := startEtcd(t, etcdOptions{Auth: true})
	// GreptimeDB has no etcd user/password setting: credentials in the URL
	// are never sent, so an auth-enabled etcd refuses metasrv's reads.
	wrong := "wrong-Pa55word"
	conf := fmt.Sprintf("store_addrs = [\"http://root:%s@%s\"]\n", wrong, te.Addr)
	rs := runFile(t, loadTestConfig(t, "metasrv.toml", conf), probeOpts())
	ep := resultNamed(t, rs, "etcd http://"+te.Addr)
	wantResult(t, ep, report.Fail, ClassAuth, "store_addrs[0]", 1)
	if !strings.Contains(ep.Message, "credentials in the etcd URL are ignored") {
		t.Errorf("the message should say URL credentials are ignored: %s", ep.Message)
	}
	wantResult(t, resultNamed(t, rs, "etcd key-value test"), report.Fail, ClassAuth, "", 0)
	noSecrets(t, rs, wrong, etcdRootPassword)
}

func TestProbeEtcdTLS(t *testing.T) {
	te := startEtcd(t, etcdOptions{TLS: true})
	t.Run("trusted", func(t *testing.T) {
		conf := fmt.Sprintf("store_addrs = [\"%s\"]\n[backend_tls]\nmode = \"require\"\nca_cert_path = %q\n", te.URL, te.PKI.CAFile)
		rs := runFile(t, loadTestConfig(t, "metasrv.toml", conf), probeOpts())
		r := resultNamed(t, rs, "etcd "+te.URL)
		wantResult(t, r, report.Pass, "", "store_addrs[0]", 1)
		if !strings.Contains(r.Message, "TLS") {
			t.Errorf("the message should mention TLS: %s", r.Message)
		}
		wantResult(t, resultNamed(t, rs, "etcd key-value test"), report.Pass, "", "", 0)
	})
	t.Run("prefer with https", func(t *testing.T) {
		// No [backend_tls]: the v1.0 default "prefer" turns TLS on because
		// every address is https; the CA is not trusted by the system.
		conf := fmt.Sprintf("store_addrs = [\"%s\"]\n", te.URL)
		rs := runFile(t, loadTestConfig(t, "metasrv.toml", conf), probeOpts())
		wantResult(t, resultNamed(t, rs, "etcd "+te.URL), report.Fail, ClassTLS, "store_addrs[0]", 1)
	})
	t.Run("untrusted CA", func(t *testing.T) {
		other := newTestPKI(t, "other")
		conf := fmt.Sprintf("store_addrs = [\"%s\"]\n[backend_tls]\nmode = \"verify_full\"\nca_cert_path = %q\n", te.Addr, other.CAFile)
		rs := runFile(t, loadTestConfig(t, "metasrv.toml", conf), probeOpts())
		r := resultNamed(t, rs, "etcd "+te.Addr)
		wantResult(t, r, report.Fail, ClassTLS, "backend_tls.ca_cert_path", 4)
	})
}

func TestProbeEtcdRBAC(t *testing.T) {
	// Auth on, with the user taken from the client certificate's CN, the
	// one way GreptimeDB can authenticate to etcd.
	te := startEtcd(t, etcdOptions{TLS: true, ClientCertAuth: true, Auth: true})
	cert, key := te.PKI.issue(t, "limited", false, time.Time{})
	base := fmt.Sprintf("store_addrs = [\"%s\"]\n[backend_tls]\nmode = \"require\"\nca_cert_path = %q\ncert_path = %q\nkey_path = %q\n",
		te.Addr, te.PKI.CAFile, cert, key)
	t.Run("outside the granted range", func(t *testing.T) {
		conf := "store_key_prefix = \"elsewhere\"\n" + base
		rs := runFile(t, loadTestConfig(t, "metasrv.toml", conf), probeOpts())
		// A permission-denied health read still counts as reachable.
		ep := resultNamed(t, rs, "etcd "+te.Addr)
		wantResult(t, ep, report.Pass, "", "store_addrs[0]", 2)
		if !strings.Contains(ep.Message, "denied by RBAC") {
			t.Errorf("the message should note the denied read: %s", ep.Message)
		}
		wantResult(t, resultNamed(t, rs, "etcd key-value test"), report.Fail, ClassPermission, "store_key_prefix", 1)
	})
	t.Run("inside the granted range", func(t *testing.T) {
		conf := "store_key_prefix = \"allowed\"\n" + base
		rs := runFile(t, loadTestConfig(t, "metasrv.toml", conf), probeOpts())
		wantResult(t, resultNamed(t, rs, "etcd key-value test"), report.Pass, "", "", 0)
		wantResult(t, resultNamed(t, rs, "etcd max_txn_ops"), report.Pass, "", "", 0)
		if left := te.keysUnder(t, "allowed/__stepstone/"); len(left) > 0 {
			t.Errorf("test keys left behind: %q", left)
		}
	})
}

func TestProbeEtcdTimeout(t *testing.T) {
	hole := testenv.BlackholeAddr(t)
	conf := fmt.Sprintf("store_addrs = [\"%s\"]\n", hole)
	opts := probeOpts()
	opts.Timeout = 2e9
	rs := runFile(t, loadTestConfig(t, "metasrv.toml", conf), opts)
	wantResult(t, resultNamed(t, rs, "etcd "+hole), report.Fail, ClassTimeout, "store_addrs[0]", 1)
}

func TestProbeEtcdReadOnly(t *testing.T) {
	te := startEtcd(t, etcdOptions{})
	conf := fmt.Sprintf("store_addrs = [\"%s\"]\n", te.Addr)
	before := te.revision(t)
	opts := probeOpts()
	opts.ReadOnly = true
	rs := runFile(t, loadTestConfig(t, "metasrv.toml", conf), opts)
	for _, r := range rs {
		if r.Status != report.Pass {
			t.Errorf("%s: %s %s", r.Name, r.Status, r.Message)
		}
	}
	if after := te.revision(t); after != before {
		t.Errorf("a read-only run changed etcd: revision %d -> %d", before, after)
	}
}

func TestProbeEtcdInterruptedWriteCleansUp(t *testing.T) {
	te := startEtcd(t, etcdOptions{})
	conf := fmt.Sprintf("store_addrs = [\"%s\"]\n", te.Addr)
	f := loadTestConfig(t, "metasrv.toml", conf)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	testHookAfterWrite = func(kind string) {
		if kind == "etcd" {
			cancel() // Ctrl-C right after the test key was written
		}
	}
	defer func() { testHookAfterWrite = nil }()
	opts := probeOpts()
	rs := RunProbes(ctx, []*configs.File{f}, opts)[0]
	w := resultNamed(t, rs, "etcd key-value test")
	if w.Status != report.Skip || w.Class != ClassCanceled {
		t.Errorf("interrupted write test: got %s [%s] %s", w.Status, w.Class, w.Message)
	}
	if left := te.keysUnder(t, "__stepstone/"); len(left) > 0 {
		t.Errorf("an interrupted run left keys behind: %q", left)
	}
}
