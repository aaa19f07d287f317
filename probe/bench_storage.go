package probe

// The object store benchmark every storage backend shares. A backend's
// file hands benchObjectStore its client as a benchStore (objectBench).

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/stepstone-dev/stepstone/report"
)

// benchStore is what the object store benchmark needs: the probe's
// adapter (put, stat, del, and list for cleanup) plus a streamed read that
// tells when the first byte arrives, a listing of one request, and a way
// to drop idle connections so that a cold request really is cold.
type benchStore interface {
	probeObjectStore
	// read streams key through buf, calls first when the first body
	// byte arrives, and returns the bytes read.
	read(ctx context.Context, key string, buf []byte, first func()) (int64, error)
	// listOnce lists at most max names under prefix in one request.
	listOnce(ctx context.Context, prefix string, max int) (int, error)
	closeIdle()
}

// benchBulkDeleter is implemented by stores that delete many objects in
// one request (S3's DeleteObjects); cleanup prefers it.
type benchBulkDeleter interface {
	delMany(ctx context.Context, keys []string) error
}

// drain reads r to the end through buf.
func drain(r io.Reader, buf []byte, first func()) (int64, error) {
	var n int64
	for {
		k, err := r.Read(buf)
		if k > 0 && n == 0 && first != nil {
			first()
		}
		n += int64(k)
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// benchTransport is the one transport a benchmark's workers share: the
// probe's transport (dial and TLS timeouts, skip_ssl_validation) with an
// idle connection kept for every worker, and HTTP/1.1, so that every
// worker has a connection of its own, as minio/warp measures.
func benchTransport(timeout time.Duration, skipVerify bool, workers int) *http.Transport {
	tr := probeHTTPTransport(timeout, skipVerify)
	tr.MaxIdleConnsPerHost = workers + 2
	tr.MaxIdleConns = 2 * (workers + 2)
	tr.IdleConnTimeout = 90 * time.Second
	tr.ForceAttemptHTTP2 = false
	tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	// Payloads are random; asking for gzip would only cost CPU.
	tr.DisableCompression = true
	return tr
}

// ---- counting what a bill would count --------------------------------------

// countingStore counts every request and byte of the benchmark, warm-up
// and cleanup included.
type countingStore struct {
	benchStore
	b *benchRun
}

func (s countingStore) count(n int64) {
	s.b.requests.Add(1)
	s.b.bytes.Add(n)
}

func (s countingStore) put(ctx context.Context, key string, data []byte) error {
	s.count(int64(len(data)))
	return s.benchStore.put(ctx, key, data)
}

func (s countingStore) read(ctx context.Context, key string, buf []byte, first func()) (int64, error) {
	n, err := s.benchStore.read(ctx, key, buf, first)
	s.count(n)
	return n, err
}

func (s countingStore) stat(ctx context.Context, key string) (int64, error) {
	s.count(0)
	return s.benchStore.stat(ctx, key)
}

func (s countingStore) del(ctx context.Context, key string) error {
	s.count(0)
	return s.benchStore.del(ctx, key)
}

func (s countingStore) list(ctx context.Context, prefix string) ([]string, error) {
	names, err := s.benchStore.list(ctx, prefix)
	// The probe adapters list 100 names a page.
	for i := 0; i <= len(names)/100; i++ {
		s.count(0)
	}
	return names, err
}

func (s countingStore) listOnce(ctx context.Context, prefix string, max int) (int, error) {
	s.count(0)
	return s.benchStore.listOnce(ctx, prefix, max)
}

// ---- the benchmark -----------------------------------------------------------

// objectBench is what a backend's benchmark adapter hands
// benchObjectStore: the client its probe checked, over the benchmark's
// transport (benchTransport), and how messages name the store.
type objectBench struct {
	st   benchStore
	what string
	// prefix is where the benchmark writes; "" means the run's test
	// prefix under the section's root, <root>/.stepstone/<run-id>/bench/.
	prefix string
	// close, when set, runs once the benchmark is done.
	close func()
}

// benchObjectStore measures the object store of a [storage] section or
// provider: for each size a PUT, GET, STAT, LIST and DELETE latency pass
// (one worker) and throughput pass (PerfOptions.Workers workers), each
// bounded by time, requests and bytes. Everything is written under the
// run's test prefix (<root>/.stepstone/<run-id>/bench/) and removed
// afterwards, also after an interrupt; the prefix is then checked empty.
// open builds the backend's client; classifier words its failures.
func benchObjectStore(ctx context.Context, t Target, classifier func(error) (string, string),
	open func(ctx context.Context, r *probeRun, perf *PerfOptions) (objectBench, error)) report.ProbeResult {
	return runBench(ctx, t, func(ctx context.Context, b *benchRun) {
		r := b.r
		ob, err := open(ctx, r, b.perf)
		if err != nil {
			r.failErr(err, classifier, "cannot set up the benchmark client")
			return
		}
		if ob.close != nil {
			defer ob.close()
		}
		prefix := ob.prefix
		if prefix == "" {
			_, run := probeTestPrefixes(probeStorageRoot(t.File, t.Section), t.Opts.RunID)
			prefix = run + "bench/"
		}
		lease := newRunLease(countingStore{ob.st, b}, strings.TrimSuffix(prefix, "bench/"), t.Opts.RunID, "bench")
		defer lease.releaseOrReport(ctx, r) // after benchObjects' cleanup: the lease goes last (lease.go)
		if err := lease.acquire(ctx); err != nil {
			r.failErr(err, classifier, "cannot write the run's lease %q to %s", lease.key, ob.what)
			return
		}
		benchObjects(ctx, b, countingStore{ob.st, b}, prefix, ob.what, classifier)
	})
}

// objectPass is one pass of one operation.
type objectPass struct {
	op, size, pass string
	workers        int
	// reqBytes is what one request moves, for the byte budget.
	reqBytes int64
	do       func(ctx context.Context, w *benchWorker) (n int64, ttfb time.Duration, err error)
}

// benchWorker is one worker's state.
type benchWorker struct {
	id, seq int
	buf     []byte
	rng     *mrand.Rand
}

// passResult is what a pass measured.
type passResult struct {
	lat, ttfb          []time.Duration
	cold, coldTTFB     time.Duration
	hasCold            bool
	errors             int
	firstErr           error
	opsPerSec, bytesPS float64
}

// runPass runs one pass: every worker sends one uncounted warm-up request,
// they start together, and each stops at the pass's duration, at the
// budget, or when there is nothing left to do. Throughput is the sum of
// each worker's rate over its own span, from the common start to its last
// completed request, so that workers finishing their last request after
// the others do not dilute it.
func (b *benchRun) runPass(ctx context.Context, st benchStore, ps objectPass) passResult {
	p := b.perf
	budget := newBenchBudget(p.MaxRequests, p.MaxBytes)
	pctx, cancel := context.WithTimeout(ctx, p.Duration+p.requestTimeout)
	defer cancel()
	if ps.pass == "latency" {
		// The cold request sets up its own connection.
		st.closeIdle()
	}
	type workerResult struct {
		lat, ttfb      []time.Duration
		n              int
		bytes          int64
		span           time.Duration
		errors         int
		firstErr       error
		cold, coldTTFB time.Duration
		hasCold        bool
	}
	res := make([]workerResult, ps.workers)
	var ready, wg sync.WaitGroup
	ready.Add(ps.workers)
	wg.Add(ps.workers)
	startCh := make(chan struct{})
	var start time.Time
	for i := range ps.workers {
		go func() {
			defer wg.Done()
			w := &benchWorker{id: i, buf: make([]byte, 256<<10), rng: mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), uint64(i)))}
			wr := &res[i]
			if budget.take(ps.reqBytes) {
				t0 := time.Now()
				_, ttfb, err := ps.do(pctx, w)
				if err == nil && ps.pass == "latency" {
					wr.cold, wr.coldTTFB, wr.hasCold = time.Since(t0), ttfb, true
				}
			}
			ready.Done()
			<-startCh
			last, consecutive := start, 0
			for time.Since(start) < p.Duration && pctx.Err() == nil {
				if !budget.take(ps.reqBytes) {
					break
				}
				t0 := time.Now()
				n, ttfb, err := ps.do(pctx, w)
				el := time.Since(t0)
				if errors.Is(err, errBenchDone) {
					break
				}
				if err != nil {
					if pctx.Err() != nil {
						break // cut short by the deadline or an interrupt, not the store
					}
					wr.errors++
					if wr.firstErr == nil {
						wr.firstErr = err
					}
					if consecutive++; consecutive >= benchMaxConsecutiveErrors {
						break
					}
					continue
				}
				consecutive = 0
				wr.lat = append(wr.lat, el)
				if ttfb > 0 {
					wr.ttfb = append(wr.ttfb, ttfb)
				}
				wr.n++
				wr.bytes += n
				last = time.Now()
			}
			wr.span = last.Sub(start)
		}()
	}
	ready.Wait()
	start = time.Now()
	close(startCh)
	wg.Wait()

	var out passResult
	for _, wr := range res {
		out.lat = append(out.lat, wr.lat...)
		out.ttfb = append(out.ttfb, wr.ttfb...)
		out.errors += wr.errors
		if out.firstErr == nil {
			out.firstErr = wr.firstErr
		}
		if wr.hasCold {
			out.cold, out.coldTTFB, out.hasCold = wr.cold, wr.coldTTFB, true
		}
		if wr.span > 0 {
			out.opsPerSec += float64(wr.n) / wr.span.Seconds()
			out.bytesPS += float64(wr.bytes) / wr.span.Seconds()
		}
	}
	return out
}

// addPass adds a pass's metrics.
func (b *benchRun) addPass(ps objectPass, pr passResult) {
	b.add(ps.op, ps.size, ps.pass, "samples", float64(len(pr.lat)), "count")
	b.add(ps.op, ps.size, ps.pass, "errors", float64(pr.errors), "count")
	b.addLatency(ps.op, ps.size, ps.pass, "", summarize(pr.lat))
	if pr.hasCold {
		b.add(ps.op, ps.size, ps.pass, "cold", pr.cold.Seconds(), "seconds")
	}
	if len(pr.ttfb) > 0 {
		b.addLatency(ps.op, ps.size, ps.pass, "ttfb_", summarize(pr.ttfb))
		if pr.hasCold && pr.coldTTFB > 0 {
			b.add(ps.op, ps.size, ps.pass, "ttfb_cold", pr.coldTTFB.Seconds(), "seconds")
		}
	}
	if ps.pass == "throughput" && len(pr.lat) > 0 {
		b.add(ps.op, ps.size, ps.pass, "ops_per_s", pr.opsPerSec, "ops/s")
		if ps.reqBytes > 0 {
			b.add(ps.op, ps.size, ps.pass, "mib_per_s", pr.bytesPS/(1<<20), "MiB/s")
		}
	}
}

// benchObjects runs the passes of every size, then cleans up.
func benchObjects(ctx context.Context, b *benchRun, st benchStore, prefix, what string, classifier func(error) (string, string)) {
	r, p := b.r, b.perf
	maxSize := int64(0)
	for _, s := range p.Sizes {
		maxSize = max(maxSize, s)
	}
	// One random buffer; each request takes a slice at a random offset,
	// so no two objects are alike and nothing compresses or dedups.
	const jitter = 64 << 10
	payload := make([]byte, maxSize+jitter)
	_, _ = rand.Read(payload)

	pending := &benchPending{m: map[string]bool{}}
	defer func() {
		cctx, cancel := cleanupContext(ctx)
		defer cancel()
		left, err := benchRemovePrefix(cctx, st, prefix, pending.keys(), p.Workers)
		if err != nil {
			r.note("could not check for leftovers under %q: %s", prefix, probeErrText(err))
			return
		}
		r.leftovers(left, fmt.Sprintf("delete the objects under %q: they are stepstone benchmark data", prefix))
	}()

	for _, op := range []string{"put", "get", "stat", "list", "delete"} {
		if p.measures(op) {
			b.steps += 2 * len(p.Sizes)
		}
	}
	var headline []string
	for _, size := range p.Sizes {
		label := report.FormatSize(size)
		var mu sync.Mutex
		var keys, tried []string
		pass := func(op, pass string, reqBytes int64, do func(ctx context.Context, w *benchWorker) (int64, time.Duration, error)) (passResult, bool) {
			workers := 1
			if pass == "throughput" {
				workers = p.Workers
			}
			ps := objectPass{op: op, size: label, pass: pass, workers: workers, reqBytes: reqBytes, do: do}
			b.tell("%s %s %s pass", strings.ToUpper(op), label, pass)
			pr := b.runPass(ctx, st, ps)
			b.addPass(ps, pr)
			if len(pr.lat) == 0 && pr.firstErr != nil && ctx.Err() == nil {
				class, sug := classifier(pr.firstErr)
				r.fail(class, sug, "every %s of %s objects to %s failed: %s", strings.ToUpper(op), label, what, probeErrText(pr.firstErr))
				return pr, false
			}
			return pr, ctx.Err() == nil
		}

		put := func(pass string) func(ctx context.Context, w *benchWorker) (int64, time.Duration, error) {
			return func(ctx context.Context, w *benchWorker) (int64, time.Duration, error) {
				w.seq++
				key := benchKeyName(prefix, label, pass, w.id, w.seq)
				off := w.rng.IntN(jitter)
				// A failed PUT may still have written the object, so
				// cleanup knows every key tried; reads use those written.
				mu.Lock()
				tried = append(tried, key)
				mu.Unlock()
				pending.add(key)
				if err := st.put(ctx, key, payload[off:off+int(size)]); err != nil {
					return 0, 0, err
				}
				mu.Lock()
				keys = append(keys, key)
				mu.Unlock()
				return size, 0, nil
			}
		}
		pick := func(w *benchWorker) string {
			mu.Lock()
			defer mu.Unlock()
			w.seq++
			return keys[(w.id*7919+w.seq)%len(keys)]
		}
		get := func(ctx context.Context, w *benchWorker) (int64, time.Duration, error) {
			key := pick(w)
			var ttfb time.Duration
			t0 := time.Now()
			n, err := st.read(ctx, key, w.buf, func() { ttfb = time.Since(t0) })
			if err == nil && n != size {
				err = fmt.Errorf("GET %s returned %d bytes, %d were written", key, n, size)
			}
			return n, ttfb, err
		}
		stat := func(ctx context.Context, w *benchWorker) (int64, time.Duration, error) {
			key := pick(w)
			n, err := st.stat(ctx, key)
			if err == nil && n != size {
				err = fmt.Errorf("STAT of %s reports %d bytes, %d were written", key, n, size)
			}
			return 0, 0, err
		}
		sizePrefix := path.Join(prefix, label) + "/"
		list := func(ctx context.Context, w *benchWorker) (int64, time.Duration, error) {
			n, err := st.listOnce(ctx, sizePrefix, 1000)
			if err == nil && n == 0 {
				err = fmt.Errorf("LIST of %q returned nothing after objects were written", sizePrefix)
			}
			return 0, 0, err
		}

		if _, ok := pass("put", "latency", size, put("latency")); !ok {
			return
		}
		thr, ok := pass("put", "throughput", size, put("throughput"))
		if !ok {
			return
		}
		if size == maxSize {
			headline = append(headline, fmt.Sprintf("PUT %s %.0f MiB/s", label, thr.bytesPS/(1<<20)))
		}
		mu.Lock()
		written := len(keys)
		mu.Unlock()
		if written == 0 {
			r.fail(ClassOther, "", "no %s object could be written to %s", label, what)
			return
		}
		if p.measures("get") {
			if _, ok := pass("get", "latency", size, get); !ok {
				return
			}
			if thr, ok = pass("get", "throughput", size, get); !ok {
				return
			}
			if size == maxSize {
				headline = append(headline, fmt.Sprintf("GET %s %.0f MiB/s", label, thr.bytesPS/(1<<20)))
			}
		}
		for _, op := range []struct {
			name string
			do   func(ctx context.Context, w *benchWorker) (int64, time.Duration, error)
		}{{"stat", stat}, {"list", list}} {
			if !p.measures(op.name) {
				continue
			}
			if _, ok := pass(op.name, "latency", 0, op.do); !ok {
				return
			}
			if _, ok := pass(op.name, "throughput", 0, op.do); !ok {
				return
			}
		}
		// DELETE takes from two queues, half the objects each, so that
		// the throughput pass has objects left to delete.
		mu.Lock()
		all := append([]string(nil), keys...)
		keys = nil
		mu.Unlock()
		half := len(all) / 2
		queues := map[string][]string{"latency": all[:half], "throughput": all[half:]}
		var failedDel []string
		del := func(pass string) func(ctx context.Context, w *benchWorker) (int64, time.Duration, error) {
			return func(ctx context.Context, w *benchWorker) (int64, time.Duration, error) {
				mu.Lock()
				q := queues[pass]
				if len(q) == 0 {
					mu.Unlock()
					return 0, 0, errBenchDone
				}
				key := q[len(q)-1]
				queues[pass] = q[:len(q)-1]
				mu.Unlock()
				err := st.del(ctx, key)
				if err != nil {
					mu.Lock()
					failedDel = append(failedDel, key)
					mu.Unlock()
				} else {
					pending.done(key)
				}
				return 0, 0, err
			}
		}
		if p.measures("delete") {
			if _, ok := pass("delete", "latency", 0, del("latency")); !ok {
				return
			}
			if _, ok := pass("delete", "throughput", 0, del("throughput")); !ok {
				return
			}
		}
		// What the DELETE passes left, and PUTs that failed, are removed
		// now, unmeasured, so that sizes do not pile up.
		mu.Lock()
		rest := append(append(append([]string(nil), queues["latency"]...), queues["throughput"]...), failedDel...)
		done := map[string]bool{}
		for _, k := range all {
			done[k] = true
		}
		for _, k := range tried {
			if !done[k] {
				rest = append(rest, k)
			}
		}
		mu.Unlock()
		if ctx.Err() != nil {
			return
		}
		benchDeleteAll(ctx, st, rest, p.Workers)
		if ctx.Err() == nil {
			// Whatever failed to go shows up in the final listing.
			for _, k := range rest {
				pending.done(k)
			}
		}
	}
	sizes := make([]string, len(p.Sizes))
	for i, s := range p.Sizes {
		sizes[i] = report.FormatSize(s)
	}
	var ops []string
	for _, op := range []string{"put", "get", "stat", "list", "delete"} {
		if p.measures(op) {
			ops = append(ops, strings.ToUpper(op))
		}
	}
	b.summary = fmt.Sprintf("%s: %s of %s objects, one worker then %d, at most %s, %d requests and %s a pass",
		what, strings.Join(ops, ", "), strings.Join(sizes, ", "), p.Workers, p.Duration, p.MaxRequests, report.FormatBytes(p.MaxBytes))
	if len(headline) > 0 {
		b.summary += " (" + strings.Join(headline, ", ") + ")"
	}
}

// benchPending is every key the benchmark may have written and not yet
// deleted, so that cleanup deletes them without listing first.
type benchPending struct {
	mu sync.Mutex
	m  map[string]bool
}

func (p *benchPending) add(k string) {
	p.mu.Lock()
	p.m[k] = true
	p.mu.Unlock()
}

func (p *benchPending) done(k string) {
	p.mu.Lock()
	delete(p.m, k)
	p.mu.Unlock()
}

func (p *benchPending) keys() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]string, 0, len(p.m))
	for k := range p.m {
		out = append(out, k)
	}
	return out
}

// benchDeleteAll deletes keys with up to twice workers requests at once,
// or in batches where the store can (S3's DeleteObjects, four batches of
// 500 at once); errors are left for the final check.
func benchDeleteAll(ctx context.Context, st benchStore, keys []string, workers int) {
	if len(keys) == 0 {
		return
	}
	if cs, ok := st.(countingStore); ok {
		if bd, ok := cs.benchStore.(benchBulkDeleter); ok {
			const batch = 500
			sem := make(chan struct{}, 4)
			var wg sync.WaitGroup
			for i := 0; i < len(keys) && ctx.Err() == nil; i += batch {
				chunk := keys[i:min(i+batch, len(keys))]
				sem <- struct{}{}
				wg.Go(func() {
					defer func() { <-sem }()
					cs.count(0)
					_ = bd.delMany(ctx, chunk)
				})
			}
			wg.Wait()
			return
		}
	}
	_, _ = deleteEach(ctx, keys, max(1, min(workers*2, 32)), st.del)
}

// benchRemovePrefix deletes the known keys, then everything else under
// prefix until a listing comes back empty or ctx ends, and returns what
// is left. It keeps a fifth of its time for the final listing, so that
// leftovers are named even when deleting ran out of time.
func benchRemovePrefix(ctx context.Context, st benchStore, prefix string, known []string, workers int) ([]string, error) {
	dctx := ctx
	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		dctx, cancel = context.WithDeadline(ctx, deadline.Add(-time.Until(deadline)/5))
		defer cancel()
	}
	benchDeleteAll(dctx, st, known, workers)
	// A PUT cancelled by Ctrl-C may still complete on the server after its
	// client gave up, so an empty listing counts only once it stays empty
	// over a short settle.
	const settle = 500 * time.Millisecond
	for empties := 0; dctx.Err() == nil && empties < 2; {
		names, err := st.list(dctx, prefix)
		if err != nil {
			break
		}
		if len(names) == 0 {
			empties++
			if empties < 2 {
				select {
				case <-dctx.Done():
				case <-time.After(settle):
				}
			}
			continue
		}
		empties = 0
		benchDeleteAll(dctx, st, names, workers)
	}
	return st.list(ctx, prefix)
}
