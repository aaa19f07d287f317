package probe

// RunProbes over many targets at once must give every goroutine and file
// descriptor back when it returns: a leak here grows with every config a
// long-lived caller (the Kubernetes Job, a test suite) checks. The figures
// for the built binary on 200 configs naming 1,000 endpoints are in
// docs/benchmarks.md ("Scale"), measured by scripts/scale.sh.

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/internal/testenv"
	"github.com/stepstone-dev/stepstone/report"
)

// openFDs counts this process's open file descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatalf("cannot count file descriptors: %v", err)
	}
	return len(entries)
}

// settle waits until count() is at most want, for up to 15 seconds (idle
// HTTP connections and gRPC channels close on their own timers), and
// returns the last count.
func settle(want int, count func() int) int {
	deadline := time.Now().Add(15 * time.Second)
	n := count()
	for n > want && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(100 * time.Millisecond)
		n = count()
	}
	return n
}

// readingBlackhole is testenv.BlackholeAddr for counting: it never answers
// either, but closes its end when the client hangs up, so the descriptors
// left open in this process are stepstone's, not the listener's.
func readingBlackhole(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = io.Copy(io.Discard, c) // until the client hangs up
			}()
		}
	}()
	return l.Addr().String()
}

func TestRunProbesGivesEverythingBack(t *testing.T) {
	pg := testenv.Postgres(t)
	my := testenv.MySQL(t)
	s3 := testenv.MinIO(t)
	blackholes := []string{readingBlackhole(t), readingBlackhole(t)}

	// 60 configs, 240 endpoints: refused addresses, black holes, and real
	// servers with wrong passwords, so every kind of connection is opened
	// and has to be closed again.
	var files []*configs.File
	for i := 0; i < 60; i++ {
		var text, name string
		switch i % 4 {
		case 0, 1:
			addrs := []string{testenv.RefusedAddr(t), testenv.RefusedAddr(t), testenv.RefusedAddr(t), blackholes[i%2]}
			name = fmt.Sprintf("dn%d-datanode.toml", i)
			text = fmt.Sprintf("node_id = %d\n[meta_client]\nmetasrv_addrs = [%q, %q, %q, %q]\n%s", i, addrs[0], addrs[1], addrs[2], addrs[3],
				strings.TrimPrefix(s3Conf(s3.URL(), probeTestBucket, s3.Region, s3.AccessKey, "wrong-secret-for-scale", ""), fmt.Sprintf("node_id = 1\n")))
		case 2:
			name = fmt.Sprintf("meta%d-metasrv.toml", i)
			text = fmt.Sprintf("backend = \"etcd_store\"\nstore_addrs = [%q, %q, %q]\n", testenv.RefusedAddr(t), testenv.RefusedAddr(t), blackholes[0])
		case 3:
			name = fmt.Sprintf("meta%d-metasrv.toml", i)
			text = pgConfig(pg.DSNFor(pg.User, "wrong-password"), "")
			if i%8 == 7 {
				text = myConfig(my.URLFor(my.User, "wrong-password"), "")
			}
		}
		files = append(files, loadTestConfig(t, name, text))
	}
	// And 190 frontends naming 4 refused metasrv addresses each: 760 more
	// targets that fail at once, so that one goroutine per target would
	// show in the peak.
	refused := make([]string, 40)
	for i := range refused {
		refused[i] = testenv.RefusedAddr(t)
	}
	for i := 0; i < 190; i++ {
		text := fmt.Sprintf("[meta_client]\nmetasrv_addrs = [%q, %q, %q, %q]\n",
			refused[i%40], refused[(i+1)%40], refused[(i+2)%40], refused[(i+3)%40])
		files = append(files, loadTestConfig(t, fmt.Sprintf("fe%d-frontend.toml", i), text))
	}

	runtime.GC()
	baseG, baseFD := runtime.NumGoroutine(), openFDs(t)
	peakG, peakFD := baseG, baseFD
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				peakG = max(peakG, runtime.NumGoroutine())
				if entries, err := os.ReadDir("/proc/self/fd"); err == nil {
					peakFD = max(peakFD, len(entries))
				}
			}
		}
	}()
	opts := Options{Timeout: 2 * time.Second, RunID: NewRunID()}
	start := time.Now()
	res := RunProbes(context.Background(), files, opts)
	took := time.Since(start)
	close(stop)
	<-sampled

	targets, failed := 0, 0
	for _, rs := range res {
		for _, r := range rs {
			targets++
			if r.Status == report.Fail {
				failed++
			}
		}
	}
	t.Logf("%d configs, %d targets (%d failed as they should) in %s; goroutines %d before, peak %d; fds %d before, peak %d",
		len(files), targets, failed, took.Round(time.Millisecond), baseG, peakG, baseFD, peakFD)
	if targets < 1000 || failed < targets/2 {
		t.Fatalf("only %d targets, %d failed: the configs did not name what they should", targets, failed)
	}
	// The slowest probe is a black hole (2s), and at most 64 probes run at
	// once; the whole run must not take many times that.
	if limit := 10 * opts.Timeout; took > limit {
		t.Errorf("the run took %s, more than %s", took, limit)
	}
	// Bounded by the probes running at once, not by the targets: each
	// running probe may hold a few goroutines (a dial, an HTTP connection's
	// read and write loops, a gRPC channel).
	if limit := baseG + 8*maxParallelProbes; peakG > limit {
		t.Errorf("%d goroutines at the peak for %d targets, more than %d: they grow with the targets", peakG, targets, limit)
	}

	// The slack covers the sampler's own goroutine having ended and the
	// runtime's background workers.
	if n := settle(baseG+2, runtime.NumGoroutine); n > baseG+2 {
		var b strings.Builder
		_ = pprof.Lookup("goroutine").WriteTo(&b, 1)
		t.Errorf("goroutines: %d before RunProbes, still %d after 15s; leaked:\n%s", baseG, n, b.String())
	}
	if n := settle(baseFD, func() int { return openFDs(t) }); n > baseFD {
		t.Errorf("file descriptors: %d before RunProbes, still %d after 15s", baseFD, n)
	}
}
