package probe

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/stepstone-dev/stepstone/configs"
	redactpkg "github.com/stepstone-dev/stepstone/internal/redact"
	"github.com/stepstone-dev/stepstone/report"
)

// GreptimeDB defaults for the metasrv backend (SCHEMA.md section 1).
const (
	defaultBackend       = "etcd_store"
	defaultEtcdAddr      = "127.0.0.1:2379"
	defaultMetaTable     = "greptime_metakv"
	defaultMaxTxnOps     = 128
	defaultBackendTLS    = "prefer" // since v1.0; None (plain) before
	etcdTestPrefixMarker = "__stepstone"
	// etcdLeaseTTL bounds how long a killed stepstone can leave its test
	// key behind: the key is bound to a lease of this many seconds.
	etcdLeaseTTL = 30
	// maxTxnOpsCap keeps the max_txn_ops probe's request well below etcd's
	// default 1.5 MiB request limit.
	maxTxnOpsCap = 10000
)

// metasrvBackendTargets lists the metadata backend probes of a metasrv.
func metasrvBackendTargets(f *configs.File) []Target {
	backend := probeString(f, "backend", defaultBackend)
	switch backend {
	case "etcd_store":
		addrs := probeStrings(f, "store_addrs", []string{defaultEtcdAddr})
		var secrets []string
		for _, a := range addrs {
			secrets = append(secrets, urlSecrets(a)...)
		}
		var ts []Target
		for i, a := range addrs {
			key := fmt.Sprintf("store_addrs[%d]", i)
			ts = append(ts, Target{Kind: "etcd", Name: "etcd " + probeDisplayAddr(a), Key: key, Addr: a, Addrs: addrs,
				Index: i, Section: "backend_tls", Secrets: secrets})
		}
		if len(addrs) == 0 {
			return nil
		}
		ts = append(ts,
			Target{Kind: "etcd-write", Name: "etcd key-value test", Key: "store_addrs[0]", Addrs: addrs, Index: -1,
				Section: "backend_tls", Secrets: secrets},
			Target{Kind: "etcd-txn", Name: "etcd max_txn_ops", Key: "max_txn_ops", Addrs: addrs, Index: -1,
				Section: "backend_tls", Secrets: secrets, Pos: probePos(f, "max_txn_ops", "store_addrs[0]")})
		return ts
	case "postgres_store", "mysql_store":
		addrs := probeStrings(f, "store_addrs", nil)
		kind := "postgres"
		if backend == "mysql_store" {
			kind = "mysql"
		}
		if len(addrs) == 0 {
			// GreptimeDB fails with "empty store addrs"; with no file
			// value the etcd default would be used, which is no DSN.
			return []Target{{Kind: kind, Name: kind + " (no store_addrs)", Key: "store_addrs", Index: 0, Section: "backend_tls"}}
		}
		a := addrs[0]
		return []Target{{Kind: kind, Name: kind + " " + probeDisplayDSN(kind, a), Key: "store_addrs[0]", Addr: a, Index: 0,
			Section: "backend_tls", Secrets: probeDSNSecrets(a)}}
	case "memory_store":
		return []Target{{Kind: "memory", Name: "memory_store", Key: "backend", Index: -1}}
	}
	// An unknown backend is a static finding; there is nothing to dial.
	return nil
}

// probePos returns the value position of the first key written in the file.
func probePos(f *configs.File, keys ...string) report.Position {
	for _, k := range keys {
		if f.Has(k) {
			return f.ValuePos(k)
		}
	}
	return f.ValuePos(keys[0])
}

// probeDisplayAddr shows an address without userinfo.
func probeDisplayAddr(a string) string {
	a = strings.TrimSpace(a)
	if _, err := redactpkg.ParseEtcdEndpoint(a); ambiguousDSN(err) {
		return "(ambiguous address)"
	}
	if strings.Contains(a, "://") {
		if u, err := url.Parse(a); err == nil {
			u.User = nil
			return u.String()
		}
		return stripUserinfo(a)
	}
	return a
}

// ProbeMemoryStore warns that memory_store keeps metadata only in memory.
func ProbeMemoryStore(ctx context.Context, t Target) report.ProbeResult {
	return runProbe(ctx, t, func(ctx context.Context, r *probeRun) {
		r.warn(`use backend = "etcd_store", "postgres_store" or "mysql_store" for anything but tests`,
			`backend = "memory_store" keeps cluster metadata in metasrv's memory: it is lost on restart and cannot be shared by several metasrv`)
	})
}

// etcdEndpoint parses one store_addrs entry into the host:port to dial.
// GreptimeDB accepts "host:port" and "http(s)://host:port". Userinfo is
// dropped: GreptimeDB's etcd client never sends it.
func etcdEndpoint(a string) (hostport string, hadUser bool, err error) {
	a = strings.TrimSpace(a)
	if a == "" {
		return "", false, configErrorf("empty etcd address")
	}
	if _, perr := redactpkg.ParseEtcdEndpoint(a); ambiguousDSN(perr) {
		return "", true, configErrorf("an etcd address is ambiguous (nothing was dialled or resolved): percent-encode the password ('@' as %%40, '/' as %%2F), or drop the user info, which GreptimeDB's etcd client never sends")
	}
	if strings.Contains(a, "://") {
		u, perr := url.Parse(a)
		if perr != nil {
			return "", false, configErrorf("etcd address %q does not parse: %v", stripUserinfo(a), perr)
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			return "", false, configErrorf("etcd address %q has scheme %q; use host:port, http:// or https://", probeDisplayAddr(a), u.Scheme)
		}
		hadUser = u.User != nil
		a = u.Host
	}
	host, port, serr := net.SplitHostPort(a)
	if serr != nil {
		return "", hadUser, configErrorf("etcd address %q is not host:port: %v", a, serr)
	}
	if n, perr := strconv.Atoi(port); perr != nil || n <= 0 || n > 65535 {
		return "", hadUser, configErrorf("etcd address %q has an invalid port", a)
	}
	if host == "" {
		return "", hadUser, configErrorf("etcd address %q has no host", a)
	}
	return net.JoinHostPort(host, port), hadUser, nil
}

// backendTLS reads [backend_tls] with GreptimeDB's defaults.
type backendTLSConfig struct {
	Mode, Cert, Key, CA string
	Set                 bool // the table or one of its keys is configured
}

func readBackendTLS(f *configs.File) backendTLSConfig {
	c := backendTLSConfig{
		Mode: probeString(f, "backend_tls.mode", defaultBackendTLS),
		Cert: probeString(f, "backend_tls.cert_path", ""),
		Key:  probeString(f, "backend_tls.key_path", ""),
		CA:   probeString(f, "backend_tls.ca_cert_path", ""),
	}
	c.Set = probeSet(f, "backend_tls") || probeSet(f, "backend_tls.mode")
	return c
}

// etcdUsesTLS applies GreptimeDB's rule: "prefer" means TLS only when every
// store address starts with https; require and verify_* always mean TLS.
// See src/meta-srv/src/utils/etcd.rs (convert_tls_option).
func etcdUsesTLS(mode string, addrs []string) bool {
	switch mode {
	case "disable":
		return false
	case "prefer":
		for _, a := range addrs {
			if a = strings.TrimSpace(a); a != "" && !strings.HasPrefix(a, "https") {
				return false
			}
		}
		return len(addrs) > 0
	}
	return true
}

// backendClientTLS builds a verifying TLS client config from [backend_tls]:
// the CA file (else system roots) and a client certificate when both cert
// and key are set. etcd's Rust client (tonic/rustls) always verifies the
// server, whatever the mode.
func backendClientTLS(c backendTLSConfig) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.CA != "" {
		pem, err := os.ReadFile(c.CA)
		if err != nil {
			return nil, fmt.Errorf("cannot read backend_tls.ca_cert_path %q: %w", c.CA, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, configErrorf("backend_tls.ca_cert_path %q holds no PEM certificate", c.CA)
		}
		cfg.RootCAs = pool
	}
	if c.Cert != "" && c.Key != "" {
		pair, err := tls.LoadX509KeyPair(c.Cert, c.Key)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
				return nil, fmt.Errorf("cannot read backend_tls.cert_path/key_path: %w", err)
			}
			return nil, configErrorf("backend_tls.cert_path/key_path do not hold a usable certificate and key: %v", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}

// etcdClient connects to the given endpoints the way metasrv does.
func etcdClient(ctx context.Context, r *probeRun, endpoints []string) (*clientv3.Client, bool, error) {
	f := r.t.File
	btls := readBackendTLS(f)
	useTLS := etcdUsesTLS(btls.Mode, r.t.Addrs)
	var eps []string
	for _, a := range endpoints {
		hp, hadUser, err := etcdEndpoint(a)
		if err != nil {
			return nil, useTLS, err
		}
		if hadUser && r.t.Kind == "etcd" {
			r.note("the credentials in the etcd URL are ignored: GreptimeDB has no etcd user/password setting and never sends them")
		}
		eps = append(eps, hp)
	}
	cfg := clientv3.Config{
		Endpoints:            eps,
		DialTimeout:          r.t.Opts.Timeout,
		DialKeepAliveTime:    r.t.Opts.Timeout,
		DialKeepAliveTimeout: r.t.Opts.Timeout,
		Logger:               zap.NewNop(),
		Context:              ctx,
		MaxUnaryRetries:      1,
		BackoffWaitBetween:   100 * time.Millisecond,
	}
	if useTLS {
		tc, err := backendClientTLS(btls)
		if err != nil {
			return nil, useTLS, err
		}
		cfg.TLS = tc
	}
	// An explicit scheme makes clientv3 use TLS exactly when we do.
	scheme := "http://"
	if useTLS {
		scheme = "https://"
	}
	for i := range cfg.Endpoints {
		cfg.Endpoints[i] = scheme + cfg.Endpoints[i]
	}
	cli, err := clientv3.New(cfg)
	return cli, useTLS, err
}

// ProbeEtcd checks one etcd endpoint as `etcdctl endpoint status` and
// `endpoint health` do: it answers, has a leader, and has no alarm. A read
// denied by etcd's RBAC still proves the member works (see etcdctl
// ep_command.go), so it counts as healthy.
func ProbeEtcd(ctx context.Context, t Target) report.ProbeResult {
	return runProbe(ctx, t, func(ctx context.Context, r *probeRun) {
		hp, _, err := etcdEndpoint(t.Addr)
		if err != nil {
			r.failErr(err, classify, "%s is not a usable etcd address", t.Key)
			return
		}
		btls := readBackendTLS(t.File)
		useTLS := etcdUsesTLS(btls.Mode, t.Addrs)
		// Dial by hand first: gRPC flattens dial errors into strings, and a
		// plain dial tells DNS, refused, timeout and TLS failures apart.
		if err := etcdDialCheck(ctx, hp, useTLS, btls); err != nil {
			class, sug := classify(err)
			var pe *protocolError
			switch {
			case errors.As(err, &pe) && strings.Contains(pe.msg, "TLS"):
				class, sug = ClassTLS, `etcd serves TLS on this port: write the address as https://host:port (with backend_tls.mode = "prefer") or set [backend_tls] mode = "require"`
			case errors.As(err, &pe):
				class, sug = ClassProtocol, "check the address is etcd's client port (2379), not the peer port (2380) or another service, and that TLS matches ([backend_tls] mode)"
			case strings.Contains(err.Error(), "certificate required"):
				class, sug = ClassTLS, "etcd requires a client certificate: set backend_tls.cert_path and backend_tls.key_path"
				r.at("backend_tls.cert_path", "backend_tls", t.Key)
			case class == ClassTLS:
				r.at("backend_tls.ca_cert_path", "backend_tls.mode", t.Key)
			}
			r.fail(class, sug, "cannot reach etcd at %s (%s): %s", hp, t.Key, probeErrText(err))
			return
		}
		cli, _, err := etcdClient(ctx, r, []string{t.Addr})
		if err != nil {
			r.failErr(err, classifyEtcd, "cannot set up an etcd client for %s", hp)
			return
		}
		defer cli.Close()

		st, err := cli.Status(ctx, cli.Endpoints()[0])
		if err != nil {
			class, sug := classifyEtcd(err)
			switch class {
			case ClassAuth, ClassPermission:
				r.fail(class, sug, "etcd at %s rejected a status request: %s", hp, probeErrText(err))
				return
			case ClassProtocol, ClassOther:
				sug = "the port answers but not as etcd's gRPC API: check it is etcd's client port (2379), not the peer port (2380), and that TLS matches ([backend_tls] mode)"
				class = ClassProtocol
			}
			r.fail(class, sug, "etcd at %s did not answer a status request: %s", hp, probeErrText(err))
			return
		}
		r.res.Metrics = append(r.res.Metrics,
			report.Metric{Name: "etcd_db_size", Value: float64(st.DbSize), Unit: "bytes"},
			report.Metric{Name: "etcd_raft_index", Value: float64(st.RaftIndex), Unit: "count"})
		var facts []string
		facts = append(facts, "version "+st.Version)
		switch {
		case st.Leader == 0:
			r.fail(ClassUnhealthy, "the etcd cluster has no leader: check that a quorum of members runs and can reach each other on the peer port",
				"etcd at %s (%s) reports no leader", hp, t.Key)
			return
		case st.Header != nil && st.Leader == st.Header.MemberId:
			facts = append(facts, fmt.Sprintf("leader %x (this member)", st.Leader))
		default:
			facts = append(facts, fmt.Sprintf("leader %x", st.Leader))
		}
		facts = append(facts, "db size "+report.FormatBytes(st.DbSize))
		if st.IsLearner {
			facts = append(facts, "learner")
		}
		if len(st.Errors) > 0 {
			r.fail(ClassOther, "look at the etcd member's log", "etcd at %s reports errors: %s", hp, strings.Join(st.Errors, "; "))
			return
		}

		// Health read, as etcdctl does: a linearizable Get of "health".
		_, err = cli.Get(ctx, "health")
		switch {
		case err == nil:
		case errors.Is(err, rpctypes.ErrPermissionDenied):
			facts = append(facts, "health read denied by RBAC (still healthy)")
		default:
			class, sug := classifyEtcd(err)
			r.fail(class, sug, "etcd at %s answered status (%s) but a read failed: %s", hp, strings.Join(facts, ", "), probeErrText(err))
			return
		}

		alarms, err := cli.AlarmList(ctx)
		switch {
		case err == nil && len(alarms.Alarms) > 0:
			var names []string
			for _, a := range alarms.Alarms {
				names = append(names, fmt.Sprintf("%s on member %x", a.Alarm, a.MemberID))
			}
			r.fail("unhealthy", "an active alarm makes etcd reject writes: for NOSPACE compact and defragment etcd (or raise --quota-backend-bytes), then `etcdctl alarm disarm`",
				"etcd at %s has active alarms: %s", hp, strings.Join(names, ", "))
			return
		case err == nil:
			facts = append(facts, "no alarms")
		case errors.Is(err, rpctypes.ErrPermissionDenied), errors.Is(err, rpctypes.ErrUserEmpty):
			facts = append(facts, "alarms unknown (listing them is not permitted)")
		default:
			r.warn("", "etcd at %s is up (%s) but its alarm list could not be read: %s", hp, strings.Join(facts, ", "), probeErrText(err))
			return
		}
		r.pass("etcd at %s is healthy: %s", hp, strings.Join(facts, ", "))
		if useTLS {
			r.note("TLS (backend_tls.mode = %q)", btls.Mode)
		} else if btls.Mode == "prefer" && strings.HasPrefix(strings.TrimSpace(t.Addr), "https") {
			r.note(`plain text: with backend_tls.mode = "prefer" GreptimeDB uses TLS only when every store_addrs entry starts with https`)
		}
	})
}

// etcdDialCheck resolves and connects to hostport, then does a TLS handshake
// when TLS is used, to classify failures precisely.
func etcdDialCheck(ctx context.Context, hostport string, useTLS bool, btls backendTLSConfig) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", hostport)
	if err != nil {
		return err
	}
	defer conn.Close()
	if !useTLS {
		return h2cHandshake(ctx, conn)
	}
	tc, err := backendClientTLS(btls)
	if err != nil {
		return err
	}
	host, _, _ := net.SplitHostPort(hostport)
	tc.ServerName = host
	tc.NextProtos = []string{"h2"}
	tconn := tls.Client(conn, tc)
	if err := tconn.HandshakeContext(ctx); err != nil {
		return err
	}
	// With TLS 1.3 a rejected client certificate only shows on the first
	// read, so speak HTTP/2 as gRPC would.
	return h2cHandshake(ctx, tconn)
}

// etcdPreflight dials every store address at once and reports whether
// any is usable. When none is, the cluster-wide probes fail with the first
// address's reason instead of a bare gRPC deadline.
func etcdPreflight(ctx context.Context, r *probeRun) bool {
	btls := readBackendTLS(r.t.File)
	useTLS := etcdUsesTLS(btls.Mode, r.t.Addrs)
	errs := make([]error, len(r.t.Addrs))
	done := make(chan struct{}, len(r.t.Addrs))
	for i, a := range r.t.Addrs {
		go func() {
			defer func() { done <- struct{}{} }()
			hp, _, err := etcdEndpoint(a)
			if err == nil {
				err = etcdDialCheck(ctx, hp, useTLS, btls)
			}
			errs[i] = err
		}()
	}
	for range r.t.Addrs {
		<-done
	}
	for _, err := range errs {
		if err == nil {
			return true
		}
	}
	if len(errs) == 0 {
		r.fail(ClassConfig, "set store_addrs", "store_addrs is empty")
		return false
	}
	class, sug := classify(errs[0])
	var pe *protocolError
	if errors.As(errs[0], &pe) {
		class = ClassProtocol
		sug = "check store_addrs names etcd's client port"
	}
	r.fail(class, sug, "no store_addrs entry is usable (see the store_addrs results): %s", probeErrText(errs[0]))
	return false
}

// etcdTestPrefix is where stepstone may write: under store_key_prefix,
// named after stepstone and the run.
func etcdTestPrefix(f *configs.File, runID string) string {
	p := probeString(f, "store_key_prefix", "")
	base := etcdTestPrefixMarker + "/" + runID + "/"
	if p == "" {
		return base
	}
	return strings.TrimSuffix(p, "/") + "/" + base
}

// etcdTestRoot is the parent of every run's prefix, for leftover checks.
func etcdTestRoot(f *configs.File) string {
	p := probeString(f, "store_key_prefix", "")
	if p == "" {
		return etcdTestPrefixMarker + "/"
	}
	return strings.TrimSuffix(p, "/") + "/" + etcdTestPrefixMarker + "/"
}

// ProbeEtcdWrite writes, reads back and deletes a key bound to a short
// lease under the run's test prefix, through every store address as
// metasrv does. ReadOnly lists the prefix instead.
func ProbeEtcdWrite(ctx context.Context, t Target) report.ProbeResult {
	return runProbe(ctx, t, func(ctx context.Context, r *probeRun) {
		cli := etcdClusterClient(ctx, r)
		if cli == nil {
			return
		}
		defer cli.Close()
		prefix := etcdTestPrefix(t.File, t.Opts.RunID)
		if t.Opts.ReadOnly {
			resp, err := cli.Get(ctx, etcdTestRoot(t.File), clientv3.WithPrefix(), clientv3.WithKeysOnly(), clientv3.WithLimit(20))
			if err != nil {
				r.at("store_key_prefix", t.Key)
				r.failErr(err, classifyEtcd, "cannot read etcd under %q", etcdTestRoot(t.File))
				return
			}
			r.pass("read-only: listed %q, writes skipped", etcdTestRoot(t.File))
			old := probeStaleLeftovers(etcdKeys(resp.Kvs), etcdTestRoot(t.File), t.Opts.RunID)
			r.leftovers(old, "they are stepstone test keys from earlier runs: `etcdctl del --prefix "+etcdTestRoot(t.File)+"`")
			return
		}

		key := prefix + "probe"
		value := []byte("stepstone probe " + t.Opts.RunID)
		var leaseID clientv3.LeaseID
		wrote := false
		defer func() {
			cctx, cancel := cleanupContext(ctx)
			defer cancel()
			if wrote {
				if _, err := cli.Delete(cctx, prefix, clientv3.WithPrefix()); err != nil && !r.failed() {
					r.note("cleanup failed: %s", probeErrText(err))
				}
			}
			if leaseID != 0 {
				// Revoking the lease deletes any key still bound to it.
				_, _ = cli.Revoke(cctx, leaseID)
			}
			if !wrote {
				return
			}
			left, err := cli.Get(cctx, prefix, clientv3.WithPrefix(), clientv3.WithKeysOnly())
			if err != nil {
				r.note("could not check for leftovers: %s (the key expires with its %ds lease)", probeErrText(err), etcdLeaseTTL)
				return
			}
			if len(left.Kvs) > 0 {
				r.leftovers(etcdKeys(left.Kvs), fmt.Sprintf("they expire with their %ds lease; or `etcdctl del --prefix %s`", etcdLeaseTTL, prefix))
			}
		}()

		start := time.Now()
		lease, err := cli.Grant(ctx, etcdLeaseTTL)
		if err != nil {
			r.at("store_key_prefix", t.Key)
			r.failErr(err, classifyEtcd, "cannot create a lease in etcd")
			return
		}
		leaseID = lease.ID
		if _, err := cli.Put(ctx, key, string(value), clientv3.WithLease(lease.ID)); err != nil {
			r.at("store_key_prefix", t.Key)
			r.failErr(err, classifyEtcd, "cannot write %q to etcd", key)
			return
		}
		wrote = true
		putDur := time.Since(start)
		afterWrite("etcd")
		start = time.Now()
		resp, err := cli.Get(ctx, key)
		if err != nil {
			r.failErr(err, classifyEtcd, "cannot read back %q from etcd", key)
			return
		}
		getDur := time.Since(start)
		if len(resp.Kvs) != 1 || !bytes.Equal(resp.Kvs[0].Value, value) {
			r.fail(ClassOther, "another writer may share the prefix, or a proxy rewrites values", "etcd returned a different value for %q than was written", key)
			return
		}
		if _, err := cli.Delete(ctx, key); err != nil {
			r.failErr(err, classifyEtcd, "cannot delete %q from etcd", key)
			return
		}
		r.res.Metrics = append(r.res.Metrics,
			report.Metric{Name: "etcd_put_latency", Value: putDur.Seconds(), Unit: "seconds"},
			report.Metric{Name: "etcd_get_latency", Value: getDur.Seconds(), Unit: "seconds"})
		r.pass("wrote, read back and deleted %q (lease %ds) in %s", key, etcdLeaseTTL, (putDur + getDur).Round(time.Millisecond))
	})
}

// leftovers reports test data that is still there after cleanup.
func (r *probeRun) leftovers(keys []string, suggestion string) {
	if len(keys) == 0 {
		return
	}
	msg := fmt.Sprintf("test data left behind: %s", probeListNames(keys, 5))
	if r.res.Status == report.Fail {
		r.note("%s", msg)
		return
	}
	r.warn(suggestion, "%s", msg)
	if r.res.Class == "" {
		r.res.Class = ClassLeftover
	}
}

func etcdKeys(kvs []*mvccpb.KeyValue) []string {
	var out []string
	for _, kv := range kvs {
		out = append(out, string(kv.Key))
	}
	return out
}

// ProbeEtcdMaxTxnOps sends a read-only transaction with max_txn_ops
// compares. etcd rejects a transaction with more operations than its
// --max-txn-ops (default 128), and metasrv batches up to max_txn_ops.
func ProbeEtcdMaxTxnOps(ctx context.Context, t Target) report.ProbeResult {
	return runProbe(ctx, t, func(ctx context.Context, r *probeRun) {
		n := probeInt(t.File, "max_txn_ops", defaultMaxTxnOps)
		if n <= 0 {
			r.fail(ClassConfig, "set max_txn_ops to a positive number no larger than etcd's --max-txn-ops (default 128)", "max_txn_ops = %d is not a usable transaction size", n)
			return
		}
		if n > maxTxnOpsCap {
			r.warn("etcd's --max-request-bytes (1.5 MiB) limits transactions too; keep max_txn_ops at or below --max-txn-ops", "max_txn_ops = %d is very large; tested %d", n, maxTxnOpsCap)
			n = maxTxnOpsCap
		}
		cli := etcdClusterClient(ctx, r)
		if cli == nil {
			return
		}
		defer cli.Close()
		prefix := etcdTestPrefix(t.File, t.Opts.RunID) + "txn/"
		txn := func(k int64) error {
			cmps := make([]clientv3.Cmp, k)
			for i := range cmps {
				cmps[i] = clientv3.Compare(clientv3.Version(prefix+strconv.FormatInt(int64(i), 10)), "=", 0)
			}
			_, err := cli.Txn(ctx).If(cmps...).Commit()
			return err
		}
		err := txn(n)
		if err == nil {
			r.pass("etcd accepts a transaction of max_txn_ops = %d operations", n)
			return
		}
		if !errors.Is(err, rpctypes.ErrTooManyOps) {
			r.failErr(err, classifyEtcd, "the max_txn_ops test transaction failed")
			return
		}
		// Find etcd's limit by bisection: a handful of small reads.
		lo, hi := int64(0), n
		for lo+1 < hi && ctx.Err() == nil {
			mid := (lo + hi) / 2
			if e := txn(mid); e == nil {
				lo = mid
			} else if errors.Is(e, rpctypes.ErrTooManyOps) {
				hi = mid
			} else {
				break
			}
		}
		limit := ""
		if lo > 0 && lo+1 == hi {
			limit = fmt.Sprintf(" (etcd accepts at most %d)", lo)
		}
		r.fail(ClassConfig, fmt.Sprintf("set max_txn_ops to at most etcd's --max-txn-ops%s, or raise --max-txn-ops on every etcd member", limit),
			"etcd rejects a transaction of max_txn_ops = %d operations%s: metasrv's large metadata transactions will fail", n, limit)
	})
}
