package probe

// Object stores: the targets of [storage] and its [[storage.providers]],
// the adapter every backend's client fills (s3.go, oss.go, azblob.go,
// gcs.go), the HTTP transport they share, and the one object store test.
//
// Each backend builds its client once for the probe and the benchmark
// alike: a benchmark must measure the client the probe checked, read from
// the same settings the same way. A builder only builds; the probe words
// its own failures (with the key to point at) and the benchmark, which
// runs after the probe passed, passes them on. Callers register secrets
// with r.addSecrets before calling a builder, and own (and close) the
// transport they hand in.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

// Storage defaults (SCHEMA.md section 2).
const (
	defaultDataHome = "./greptimedb_data"
	// leftoverAge is how old another run's test data must be before it
	// counts as left behind rather than belonging to a concurrent run.
	leftoverAge = time.Hour
)

// storageTargets lists the object store probes of a datanode or
// standalone: [storage] and every [[storage.providers]].
func storageTargets(f *configs.File) []Target {
	var ts []Target
	add := func(sec string, idx int, typ string) {
		var t Target
		b, ok := configs.BackendFor(typ)
		switch {
		case !ok:
			return // an unknown type is a static finding
		case b.Kind == "file":
			if sec != "storage" {
				return // a File provider stores under [storage] data_home too
			}
			home := probeString(f, "storage.data_home", defaultDataHome)
			t = Target{Kind: "file", Name: fmt.Sprintf("data_home %q", home), Key: "storage.data_home", Addr: home}
		default:
			where := probeString(f, sec+"."+b.Container, "")
			t = Target{Kind: b.Kind, Name: fmt.Sprintf("%s %s %q (%s)", b.Kind, b.Container, where, sec), Key: sec + "." + b.Container, Addr: where}
		}
		if !f.Has(t.Key) {
			t.Pos = probePos(f, t.Key, sec+".type", sec)
		}
		if name := probeString(f, sec+".name", ""); name != "" && sec != "storage" {
			t.Name += " name " + fmt.Sprintf("%q", name)
		}
		t.Section, t.Index = sec, idx
		for _, k := range configs.StorageSecretKeys() {
			if v := probeString(f, sec+"."+k, ""); v != "" {
				t.Secrets = append(t.Secrets, v)
			}
		}
		ts = append(ts, t)
	}
	add("storage", -1, probeString(f, "storage.type", configs.DefaultStorageType))
	for i := 0; i < probeTableLen(f, "storage.providers"); i++ {
		sec := fmt.Sprintf("storage.providers[%d]", i)
		add(sec, i, probeString(f, sec+".type", ""))
	}
	return ts
}

// probeObjectStore is what the object store test needs from a client. Keys are
// full object names.
type probeObjectStore interface {
	// list returns the object names under prefix (recursively).
	list(ctx context.Context, prefix string) ([]string, error)
	put(ctx context.Context, key string, data []byte) error
	get(ctx context.Context, key string) ([]byte, error)
	// stat returns the object's size.
	stat(ctx context.Context, key string) (int64, error)
	del(ctx context.Context, key string) error
}

// probeStorageRoot returns the object prefix under which GreptimeDB stores
// data: the section's root without leading or trailing slashes.
func probeStorageRoot(f *configs.File, sec string) string {
	return strings.Trim(probeString(f, sec+".root", ""), "/")
}

// probeTestPrefixes returns the root of every run's test data and this run's
// prefix: <root>/.stepstone/ and <root>/.stepstone/<run-id>/.
func probeTestPrefixes(root, runID string) (all, run string) {
	all = testPrefixName + "/"
	if root != "" {
		all = root + "/" + all
	}
	return all, all + runID + "/"
}

// probeNonce returns a short random name for one probe's folder.
func probeNonce() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// probeStaleLeftovers keeps the names under the test root that belong to runs
// older than leftoverAge (or whose run id does not parse), so a run going
// on at the same time is not taken for a leftover.
func probeStaleLeftovers(names []string, testRoot, runID string) []string {
	var out []string
	for _, n := range names {
		rest := strings.TrimPrefix(n, testRoot)
		id, _, _ := strings.Cut(rest, "/")
		if id == runID {
			continue
		}
		if ts, _, ok := strings.Cut(id, "-"); ok {
			if when, err := time.Parse("20060102T1504", ts); err == nil && time.Since(when) < leftoverAge {
				continue
			}
		}
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// probeStoreKeys names the config keys to point at for each failure class.
type probeStoreKeys struct {
	sec                  string
	notFound, auth, addr []string
}

// all lists every key the store reads, longest first so that
// "access_key_secret" is not taken for a mention of a shorter key.
func (k probeStoreKeys) all() []string {
	out := append(append(append([]string{}, k.notFound...), k.auth...), k.addr...)
	out = append(out, k.sec+".region", k.sec+".endpoint", k.sec+".root")
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

func (k probeStoreKeys) forClass(class string) []string {
	switch class {
	case ClassNotFound:
		return k.notFound
	case ClassAuth, ClassPermission:
		return k.auth
	case ClassDNS, ClassRefused, ClassTimeout, ClassTLS, ClassProtocol:
		return k.addr
	case ClassConfig:
		return []string{k.sec + ".region", k.sec + ".endpoint"}
	}
	return nil
}

// testObjectStore runs the object store test: list the test root (access,
// existence, leftovers of earlier runs), then unless ReadOnly put, get and
// compare, list, stat and delete one object under this run's prefix, and
// check nothing is left. Cleanup runs on failure and on cancel too.
func testObjectStore(ctx context.Context, r *probeRun, st probeObjectStore, what string, classifier func(error) (string, string), keys probeStoreKeys) {
	t := r.t
	root := probeStorageRoot(t.File, keys.sec)
	testRoot, prefix := probeTestPrefixes(root, t.Opts.RunID)
	// Each probe of a run gets its own folder: two configs (or a
	// [[storage.providers]] entry) naming the same bucket and root are
	// probed at the same time and must not see each other's object.
	prefix += probeNonce() + "/"
	failAt := func(err error, format string, args ...any) {
		class, sug := classifier(err)
		// Point at the key the suggestion says to change when the file
		// writes it (InvalidAccessKeyId names access_key_id, say), else
		// at the class's usual suspects.
		var named []string
		for _, k := range keys.all() {
			if strings.Contains(sug, k) {
				named = append(named, k)
			}
		}
		sort.SliceStable(named, func(i, j int) bool { return strings.Index(sug, named[i]) < strings.Index(sug, named[j]) })
		r.at(append(append(named, keys.forClass(class)...), t.Key)...)
		r.failErr(err, classifier, format, args...)
	}

	start := time.Now()
	existing, err := st.list(ctx, testRoot)
	if err != nil {
		failAt(err, "cannot list %s under %q", what, testRoot)
		return
	}
	listDur := time.Since(start)
	r.res.Metrics = append(r.res.Metrics, report.Metric{Name: "list_latency", Value: listDur.Seconds(), Unit: "seconds"})
	sweepLeftovers(ctx, r, st, testRoot, existing) // earlier runs' data, lease.go
	if t.Opts.ReadOnly {
		r.pass("%s is reachable and lists %q; read-only, writes skipped", what, testRoot)
		return
	}

	key := prefix + "probe.bin"
	data := make([]byte, probeObjectSize)
	_, _ = rand.Read(data)
	copy(data, "stepstone probe "+t.Opts.RunID+"\n")
	attempted, written := false, false
	// The lease goes last, after the data (lease.go).
	lease := newRunLease(st, testRoot+t.Opts.RunID+"/", t.Opts.RunID, path.Base(prefix))
	defer lease.releaseOrReport(ctx, r)
	defer func() {
		if !attempted {
			return
		}
		cctx, cancel := cleanupContext(ctx)
		defer cancel()
		if err := st.del(cctx, key); err != nil {
			if class, _ := classifier(err); class != ClassNotFound && !r.failed() {
				r.note("cleanup could not delete %q: %s", key, probeErrText(err))
			}
		}
		if !written {
			// The write was cut short (Ctrl-C, a timeout, a dropped
			// connection): the server may still store it after the
			// delete above. Look again a moment later.
			select {
			case <-time.After(time.Second):
			case <-cctx.Done():
			}
			if names, err := st.list(cctx, prefix); err == nil {
				for _, n := range names {
					_ = st.del(cctx, n)
				}
			}
		}
		left, err := st.list(cctx, prefix)
		if err != nil {
			r.note("could not check for leftovers under %q: %s", prefix, probeErrText(err))
			return
		}
		r.leftovers(left, fmt.Sprintf("delete the objects under %q", prefix))
	}()

	if err := lease.acquire(ctx); err != nil {
		failAt(err, "cannot write %q to %s", lease.key, what)
		return
	}
	attempted = true
	start = time.Now()
	if err := st.put(ctx, key, data); err != nil {
		failAt(err, "cannot write %q to %s", key, what)
		return
	}
	written = true
	putDur := time.Since(start)
	afterWrite(t.Kind)
	start = time.Now()
	got, err := st.get(ctx, key)
	if err != nil {
		failAt(err, "wrote %q but cannot read it back from %s", key, what)
		return
	}
	getDur := time.Since(start)
	if !bytes.Equal(got, data) {
		r.fail(ClassOther, "a proxy or gateway in front of the object store may alter objects",
			"%s returned %d bytes for %q that differ from the %d written", what, len(got), key, len(data))
		return
	}
	names, err := st.list(ctx, prefix)
	if err != nil {
		failAt(err, "cannot list %q in %s", prefix, what)
		return
	}
	found := false
	for _, n := range names {
		if n == key {
			found = true
		}
	}
	if !found {
		r.fail(ClassOther, "the store may be eventually consistent, or the list permission is scoped differently from the write permission",
			"%q was written but listing %q does not show it", key, prefix)
		return
	}
	size, err := st.stat(ctx, key)
	if err != nil {
		failAt(err, "cannot stat %q in %s", key, what)
		return
	}
	if size != int64(len(data)) {
		r.fail(ClassOther, "", "stat of %q reports %d bytes, %d were written", key, size, len(data))
		return
	}
	if err := st.del(ctx, key); err != nil {
		failAt(err, "cannot delete %q from %s", key, what)
		return
	}
	r.res.Metrics = append(r.res.Metrics,
		report.Metric{Name: "put_latency", Value: putDur.Seconds(), Unit: "seconds"},
		report.Metric{Name: "get_latency", Value: getDur.Seconds(), Unit: "seconds"})
	r.pass("%s works: put, get, list, stat and delete of %q (put %s, get %s)", what, path.Base(key),
		putDur.Round(time.Millisecond), getDur.Round(time.Millisecond))
}

// probeHTTPTransport is the transport for object store clients: bounded dials
// and [storage.http_client] skip_ssl_validation. Each probe makes its own
// and must CloseIdleConnections when done: an idle keep-alive connection
// otherwise holds a goroutine pair and a file descriptor for
// IdleConnTimeout after the probe, and a run over 1,000 endpoints would
// hold 1,000 of them.
func probeHTTPTransport(timeout time.Duration, skipVerify bool) *http.Transport {
	d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           d.DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		ExpectContinueTimeout: time.Second,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       30 * time.Second,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: skipVerify}, //nolint:gosec // mirrors skip_ssl_validation
		ForceAttemptHTTP2:     true,
	}
}
