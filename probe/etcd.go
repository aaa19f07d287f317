package probe

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"golang.org/x/time/rate"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/stepstone-dev/stepstone/internal/redact"
	"github.com/stepstone-dev/stepstone/report"
)

// etcd settings of the probes.
const (
	defaultMaxTxnOps = 128
	// etcdLeaseTTL bounds how long a killed stepstone can leave its test
	// key behind: the key is bound to a lease of this many seconds.
	etcdLeaseTTL = 30
	// maxTxnOpsCap keeps the max_txn_ops probe's request well below etcd's
	// default 1.5 MiB request limit.
	maxTxnOpsCap = 10000
)

// etcdEndpoint parses one store_addrs entry into the host:port to dial.
// GreptimeDB accepts "host:port" and "http(s)://host:port". Userinfo is
// dropped: GreptimeDB's etcd client never sends it.
func etcdEndpoint(a string) (hostport string, hadUser bool, err error) {
	a = strings.TrimSpace(a)
	if a == "" {
		return "", false, configErrorf("empty etcd address")
	}
	if _, perr := redact.ParseEtcdEndpoint(a); errors.Is(perr, redact.ErrAmbiguous) {
		return "", true, configErrorf("an etcd address is ambiguous (nothing was dialled or resolved): percent-encode the password ('@' as %%40, '/' as %%2F), or drop the user info, which GreptimeDB's etcd client never sends")
	}
	if strings.Contains(a, "://") {
		u, perr := url.Parse(a)
		if perr != nil {
			return "", false, configErrorf("etcd address %q does not parse: %v", redact.StripUserinfo(a), perr)
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
	timeout := clientTimeout(ctx)
	cfg := clientv3.Config{
		Endpoints:            eps,
		DialTimeout:          timeout,
		DialKeepAliveTime:    timeout,
		DialKeepAliveTimeout: timeout,
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

// etcdClusterClient is a client of every store address, after a dial of
// each tells why none is usable. It returns nil when it has failed r.
func etcdClusterClient(ctx context.Context, r *probeRun) *clientv3.Client {
	if !etcdPreflight(ctx, r) {
		return nil
	}
	cli, _, err := etcdClient(ctx, r, r.t.Addrs)
	if err != nil {
		r.failErr(err, classifyEtcd, "cannot set up an etcd client")
		return nil
	}
	return cli
}

// classifyEtcd recognises etcd's auth and quota errors.
func classifyEtcd(err error) (string, string) {
	switch {
	case errors.Is(err, rpctypes.ErrPermissionDenied):
		return ClassPermission, "the etcd user lacks a role with readwrite permission on the key range; grant it (etcdctl role grant-permission --prefix) for store_key_prefix"
	case errors.Is(err, rpctypes.ErrAuthFailed), errors.Is(err, rpctypes.ErrInvalidAuthToken), errors.Is(err, rpctypes.ErrAuthOldRevision):
		return ClassAuth, "etcd rejected the credentials"
	case errors.Is(err, rpctypes.ErrUserEmpty):
		return ClassAuth, "etcd has authentication enabled, but GreptimeDB has no etcd user/password setting: let metasrv authenticate with a TLS client certificate ([backend_tls] cert_path/key_path, the certificate CN names the etcd user, etcd --client-cert-auth), or disable etcd auth"
	case errors.Is(err, rpctypes.ErrTooManyOps):
		return ClassConfig, "lower max_txn_ops to at most etcd's --max-txn-ops, or raise --max-txn-ops on every etcd member"
	case errors.Is(err, rpctypes.ErrNoSpace):
		return ClassPermission, "etcd's database quota is exhausted (NOSPACE alarm): compact and defragment etcd, raise --quota-backend-bytes, then disarm the alarm"
	case errors.Is(err, rpctypes.ErrRequestTooLarge):
		return ClassConfig, "the request exceeds etcd's --max-request-bytes"
	}
	if st, ok := status.FromError(err); ok && st.Code() == codes.Unavailable {
		class, sug := classifyText(st.Message())
		if class != ClassOther {
			return class, sug
		}
	}
	return classify(err)
}

// BenchEtcd puts and then reads keys at a small fixed rate, as `etcdctl
// check perf --load=s` does (150 requests a second from 50 clients; here
// for a few seconds instead of a minute), and grades it the same way: the
// rate reached must be at least 90% of the target, with bounded latency
// (p99 rather than the single slowest request). Keys are written under
// the run's test prefix, bound to a lease, and deleted afterwards.
func BenchEtcd(ctx context.Context, t Target) report.ProbeResult {
	return runBench(ctx, t, func(ctx context.Context, b *benchRun) {
		r, p := b.r, b.perf
		cli := etcdClusterClient(ctx, r)
		if cli == nil {
			return
		}
		defer cli.Close()
		prefix := etcdTestPrefix(t.File, t.Opts.RunID) + "bench/"
		// The lease outlives the benchmark by etcdLeaseTTL, so a killed
		// stepstone leaves nothing behind for long.
		ttl := int64((2*p.MetaDuration + 2*p.requestTimeout).Seconds()) + etcdLeaseTTL
		lease, err := cli.Grant(ctx, ttl)
		if err != nil {
			r.at("store_key_prefix", t.Key)
			r.failErr(err, classifyEtcd, "cannot create a lease in etcd")
			return
		}
		b.requests.Add(1)
		defer func() {
			cctx, cancel := cleanupContext(ctx)
			defer cancel()
			if _, err := cli.Delete(cctx, prefix, clientv3.WithPrefix()); err != nil && !r.failed() {
				r.note("cleanup failed: %s", probeErrText(err))
			}
			_, _ = cli.Revoke(cctx, lease.ID)
			b.requests.Add(3)
			left, err := cli.Get(cctx, prefix, clientv3.WithPrefix(), clientv3.WithKeysOnly(), clientv3.WithLimit(20))
			if err != nil {
				r.note("could not check for leftovers: %s (they expire with their %ds lease)", probeErrText(err), ttl)
				return
			}
			r.leftovers(etcdKeys(left.Kvs), fmt.Sprintf("they expire with their %ds lease; or `etcdctl del --prefix %s`", ttl, prefix))
		}()

		value := make([]byte, p.ValueSize)
		_, _ = rand.Read(value)
		label := report.FormatSize(p.ValueSize)
		var mu sync.Mutex
		var keys []string
		put := func(ctx context.Context, rng *mrand.Rand) error {
			var k [8]byte
			for i := range k {
				k[i] = byte(rng.Uint32())
			}
			key := prefix + hex.EncodeToString(k[:])
			b.requests.Add(1)
			b.bytes.Add(int64(len(key) + len(value)))
			if _, err := cli.Put(ctx, key, string(value), clientv3.WithLease(lease.ID)); err != nil {
				return err
			}
			mu.Lock()
			keys = append(keys, key)
			mu.Unlock()
			return nil
		}
		get := func(ctx context.Context, rng *mrand.Rand) error {
			mu.Lock()
			key := keys[rng.IntN(len(keys))]
			mu.Unlock()
			b.requests.Add(1)
			resp, err := cli.Get(ctx, key)
			if err != nil {
				return err
			}
			if len(resp.Kvs) != 1 || !bytes.Equal(resp.Kvs[0].Value, value) {
				return fmt.Errorf("etcd returned a different value for %q than was written", key)
			}
			b.bytes.Add(int64(len(value)))
			return nil
		}
		b.steps = 2
		b.tell("etcd put load")
		if !b.runLoad(ctx, "etcd_put", label, put, classifyEtcd) {
			return
		}
		mu.Lock()
		n := len(keys)
		mu.Unlock()
		if n == 0 {
			r.fail(ClassOther, "", "no key could be written to etcd")
			return
		}
		b.tell("etcd range load")
		if !b.runLoad(ctx, "etcd_range", label, get, classifyEtcd) {
			return
		}
		b.summary = fmt.Sprintf("put, then range, %s values at a target of %d requests/s from %d clients for %s each",
			label, p.EtcdRate, p.EtcdClients, p.MetaDuration)
		b.summary += etcdLoadHeadline(b.metrics)
	})
}

// etcdLoadHeadline picks the reached rate and p50 of each load for the
// message: " (put 150 ops/s p50 2.1ms, range 150 ops/s p50 0.9ms)".
func etcdLoadHeadline(ms []report.Metric) string {
	var parts []string
	val := map[string]report.Metric{}
	var ops []string
	for _, m := range ms {
		if bn, ok := report.ParseBenchName(m.Name); ok && bn.Pass == "load" {
			if _, seen := val[bn.Op+".samples"]; !seen && bn.Stat == "samples" {
				ops = append(ops, bn.Op)
			}
			val[bn.Op+"."+bn.Stat] = m
		}
	}
	for _, op := range ops {
		part := strings.TrimPrefix(op, "etcd_")
		if m, ok := val[op+".ops_per_s"]; ok {
			part += " " + formatMetricValue(m.Value, m.Unit)
		}
		if m, ok := val[op+".p50"]; ok {
			part += " p50 " + formatMetricValue(m.Value, m.Unit)
		}
		parts = append(parts, part)
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// runLoad sends op at PerfOptions.EtcdRate from EtcdClients goroutines for
// MetaDuration, as etcdctl check perf does: a limiter hands requests to a
// queue as long as the clients keep up. One uncounted first request is
// reported as cold. It returns false when the benchmark should stop.
func (b *benchRun) runLoad(ctx context.Context, op, size string, do func(context.Context, *mrand.Rand) error, classifier func(error) (string, string)) bool {
	r, p := b.r, b.perf
	rng := mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), 1))
	t0 := time.Now()
	if err := do(ctx, rng); err != nil {
		if ctx.Err() == nil {
			r.failErr(err, classifier, "the first %s failed", strings.ReplaceAll(op, "_", " "))
		}
		return false
	}
	cold := time.Since(t0)

	budget := newBenchBudget(p.MaxRequests, 1<<62)
	lctx, cancel := context.WithTimeout(ctx, p.MetaDuration)
	defer cancel()
	requests := make(chan struct{}, p.EtcdClients)
	limiter := rate.NewLimiter(rate.Limit(p.EtcdRate), 1)
	start := time.Now()
	go func() {
		defer close(requests)
		for limiter.Wait(lctx) == nil && budget.take(0) {
			select {
			case requests <- struct{}{}:
			case <-lctx.Done():
				return
			}
		}
	}()
	type clientResult struct {
		lat      []time.Duration
		errors   int
		firstErr error
		last     time.Time
	}
	res := make([]clientResult, p.EtcdClients)
	rctx, rcancel := context.WithTimeout(ctx, p.MetaDuration+p.requestTimeout)
	defer rcancel()
	var wg sync.WaitGroup
	for i := range p.EtcdClients {
		wg.Go(func() {
			cr := &res[i]
			crng := mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), uint64(i)+2))
			for range requests {
				t0 := time.Now()
				err := do(rctx, crng)
				if err != nil {
					if rctx.Err() != nil {
						continue
					}
					cr.errors++
					if cr.firstErr == nil {
						cr.firstErr = err
					}
					continue
				}
				cr.lat = append(cr.lat, time.Since(t0))
				cr.last = time.Now()
			}
		})
	}
	wg.Wait()

	var lat []time.Duration
	var errs int
	var firstErr error
	last := start
	for _, cr := range res {
		lat = append(lat, cr.lat...)
		errs += cr.errors
		if firstErr == nil {
			firstErr = cr.firstErr
		}
		if cr.last.After(last) {
			last = cr.last
		}
	}
	b.add(op, size, "load", "samples", float64(len(lat)), "count")
	b.add(op, size, "load", "errors", float64(errs), "count")
	b.addLatency(op, size, "load", "", summarize(lat))
	b.add(op, size, "load", "cold", cold.Seconds(), "seconds")
	if el := last.Sub(start); el > 0 && len(lat) > 0 {
		ops := float64(len(lat)) / el.Seconds()
		b.add(op, size, "load", "ops_per_s", ops, "ops/s")
		b.add(op, size, "load", "target_ops_per_s", float64(p.EtcdRate), "ops/s")
		// The limiter lets the first request through at once, so a
		// store that keeps up can show a hair above the target.
		b.add(op, size, "load", "target_ratio", min(ops/float64(p.EtcdRate), 1), "ratio")
	}
	if len(lat) == 0 && firstErr != nil && ctx.Err() == nil {
		class, sug := classifier(firstErr)
		r.fail(class, sug, "every %s failed: %s", strings.ReplaceAll(op, "_", " "), probeErrText(firstErr))
		return false
	}
	return ctx.Err() == nil
}
