package main

// Ctrl-C and SIGTERM in every phase of a run, on the built binary: while
// the configs are read (static), while live checks hang on a black hole
// and on a stalled object store (probes), and in the middle of
// --include-performance (benchmark). Each run must end within
// signalBound, print a partial report marked as interrupted, and leave
// nothing in the bucket. A second signal must end the process at once.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/stepstone-dev/stepstone/internal/testenv"
)

// signalBound is how long stepstone may take to exit after the signal: the
// probes' cleanup deadline (5s) plus writing the report.
const signalBound = 7 * time.Second

// testBucket is the bucket the checks package's probe tests use too.
const testBucket = "stepstone-probe-test"

// s3Proxy stands between stepstone and the shared MinIO, forwarding every
// request unchanged (SigV4 signs the Host header the client used, which
// the proxy keeps) while counting object writes and, when asked, holding
// object reads until the client gives up.
type s3Proxy struct {
	Addr  string
	puts  atomic.Int64
	stall atomic.Bool // hold object reads
	// stallDeletes holds deletes too, so cleanup takes its whole deadline.
	stallDeletes atomic.Bool
	stalled      chan struct{} // closed at the first held read
	once         sync.Once
}

func startS3Proxy(t *testing.T, target string) *s3Proxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &s3Proxy{stalled: make(chan struct{})}
	rp := httputil.NewSingleHostReverseProxy(u)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.Addr = l.Addr().String()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// "/bucket/key" is an object; "/bucket/" with a query is a list.
		object := strings.Contains(strings.Trim(r.URL.Path, "/"), "/")
		switch {
		case object && r.Method == http.MethodPut:
			p.puts.Add(1)
		case object && r.Method == http.MethodGet && p.stall.Load():
			p.once.Do(func() { close(p.stalled) })
			<-r.Context().Done()
			return
		case object && r.Method == http.MethodDelete && p.stallDeletes.Load():
			<-r.Context().Done()
			return
		}
		rp.ServeHTTP(w, r)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return p
}

// minioClient returns a client for the shared MinIO with the test bucket.
func minioClient(t *testing.T, s3 testenv.S3Server) *minio.Client {
	t.Helper()
	c, err := minio.New(s3.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(s3.AccessKey, s3.SecretKey, ""), Region: s3.Region})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ok, err := c.BucketExists(ctx, testBucket)
	if err != nil {
		t.Fatalf("MinIO at %s: %v; start it with ./scripts/testenv.sh up", s3.Endpoint, err)
	}
	if !ok {
		if err := c.MakeBucket(ctx, testBucket, minio.MakeBucketOptions{Region: s3.Region}); err != nil {
			t.Fatalf("MinIO: create bucket: %v", err)
		}
	}
	return c
}

// objectsUnder lists what is stored under prefix in the test bucket.
func objectsUnder(t *testing.T, c *minio.Client, prefix string) []string {
	t.Helper()
	var out []string
	for o := range c.ListObjects(context.Background(), testBucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			t.Fatalf("MinIO list %q: %v", prefix, o.Err)
		}
		out = append(out, o.Key)
	}
	return out
}

// blackhole is a listener that accepts and never answers; accepted is
// closed at the first connection, so a test knows a probe is waiting on it.
type blackhole struct {
	Addr     string
	accepted chan struct{}
}

func startBlackhole(t *testing.T) *blackhole {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &blackhole{Addr: l.Addr().String(), accepted: make(chan struct{})}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		first := true
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			if first {
				close(b.accepted)
				first = false
			}
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return b
}

// started is a running stepstone.
type started struct {
	cmd            *exec.Cmd
	stdout, stderr *bytes.Buffer
	exited         chan struct{}
	err            error
}

func startStepstone(t *testing.T, bin, dir string, env []string, args ...string) *started {
	t.Helper()
	s := &started{cmd: exec.Command(bin, args...), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, exited: make(chan struct{})}
	s.cmd.Dir = dir
	s.cmd.Stdout, s.cmd.Stderr = s.stdout, s.stderr
	// No GitHub or STEPSTONE_* variables from the test's own environment.
	s.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}, env...)
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		s.err = s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	})
	return s
}

// waitFor waits for ch, failing the test if stepstone exits first or the
// wait takes longer than limit.
func (s *started) waitFor(t *testing.T, ch <-chan struct{}, what string, limit time.Duration) {
	t.Helper()
	select {
	case <-ch:
	case <-s.exited:
		t.Fatalf("stepstone exited before %s: %v\nstdout:\n%s\nstderr:\n%s", what, s.err, s.stdout, s.stderr)
	case <-time.After(limit):
		t.Fatalf("no %s within %s\nstderr so far:\n%s", what, limit, s.stderr)
	}
}

// waitReading waits until stepstone has read n bytes (its own count in
// /proc/<pid>/io): a static run reads each config as it lints it, so a
// signal sent then lands in the middle of the run however fast the
// machine is, which a fixed sleep does not promise.
func (s *started) waitReading(t *testing.T, n int64) {
	t.Helper()
	path := fmt.Sprintf("/proc/%d/io", s.cmd.Process.Pid)
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			t.Fatalf("stepstone exited before it had read %d bytes: %v\nstderr:\n%s", n, s.err, s.stderr)
		default:
		}
		if data, err := os.ReadFile(path); err == nil {
			for _, line := range strings.Split(string(data), "\n") {
				var read int64
				if _, err := fmt.Sscanf(line, "rchar: %d", &read); err == nil && read >= n {
					return
				}
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("stepstone had not read %d bytes after a minute\nstderr:\n%s", n, s.stderr)
}

// interrupt sends sig and returns how long stepstone took to exit and its
// exit code; it fails the test after signalBound.
func (s *started) interrupt(t *testing.T, sig syscall.Signal) (time.Duration, int) {
	t.Helper()
	sent := time.Now()
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.exited:
	case <-time.After(signalBound):
		t.Fatalf("still running %s after %v\nstdout:\n%s\nstderr:\n%s", signalBound, sig, s.stdout, s.stderr)
	}
	took := time.Since(sent)
	code := s.cmd.ProcessState.ExitCode()
	t.Logf("%v: exit %d after %s", sig, code, took.Round(time.Millisecond))
	if out := s.stderr.String(); strings.Contains(out, "goroutine ") || strings.Contains(out, "panic") {
		t.Errorf("stack trace on stderr:\n%s", out)
	}
	return took, code
}

var signals = []syscall.Signal{syscall.SIGINT, syscall.SIGTERM}

// TestSignalWhileReading interrupts stepstone while it waits for a config
// from a FIFO (a process substitution behaves the same), which never ends
// on its own: before the fix the read ignored the signal, and the signal
// relay swallowed every later one, so only SIGKILL stopped it.
func TestSignalWhileReading(t *testing.T) {
	bin := buildBinary(t)
	for _, sig := range signals {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			fifo := filepath.Join(dir, "datanode.toml")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Fatal(err)
			}
			s := startStepstone(t, bin, dir, nil, "lint", "-o", "json", fifo)
			// Open the write end and send half a config, keeping it open:
			// stepstone now blocks in read, not in open.
			w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			if _, err := w.WriteString("node_id = 1\n"); err != nil {
				t.Fatal(err)
			}
			time.Sleep(300 * time.Millisecond)
			_, code := s.interrupt(t, sig)
			if code != exitFindings {
				t.Errorf("exit %d, want %d", code, exitFindings)
			}
			if !strings.Contains(s.stderr.String(), "interrupted while reading the configs") {
				t.Errorf("stderr does not say what happened:\n%s", s.stderr)
			}
		})
	}
}

// probeConfig names a black-holed metasrv and an S3 bucket behind proxy,
// under a root no other test uses.
func probeConfig(t *testing.T, dir, metasrv string, s3 testenv.S3Server, proxy, root string) string {
	t.Helper()
	return writeTestFile(t, dir, "datanode.toml", fmt.Sprintf(`node_id = 1
[meta_client]
metasrv_addrs = [%q]

[storage]
type = "S3"
bucket = %q
root = %q
endpoint = "http://%s"
region = %q
access_key_id = %q
secret_access_key = %q
`, metasrv, testBucket, root, proxy, s3.Region, s3.AccessKey, s3.SecretKey))
}

// TestSignalDuringProbes interrupts live checks that hang: the metasrv
// is a black hole, and the object store has taken the probe's write but
// holds its read. The partial report must say it was interrupted, and the
// probe's cleanup must have deleted the object it wrote.
func TestSignalDuringProbes(t *testing.T) {
	bin := buildBinary(t)
	s3 := testenv.MinIO(t)
	mc := minioClient(t, s3)
	for _, sig := range signals {
		for _, format := range []string{"json", "human"} {
			t.Run(sig.String()+"/"+format, func(t *testing.T) {
				dir := t.TempDir()
				bh := startBlackhole(t)
				proxy := startS3Proxy(t, s3.URL())
				proxy.stall.Store(true)
				root := "signal-test/" + filepath.Base(dir)
				cfg := probeConfig(t, dir, bh.Addr, s3, proxy.Addr, root)
				args := []string{"datanode", "-c", cfg, "-o", format, "--timeout", "120s", "--deadline", "10m"}
				if format == "human" {
					args = []string{"run", "-o", "human", "--timeout", "120s", "--deadline", "10m", dir}
				}
				s := startStepstone(t, bin, dir, nil, args...)
				s.waitFor(t, bh.accepted, "connection to the black hole", 30*time.Second)
				s.waitFor(t, proxy.stalled, "held object read", 30*time.Second)
				_, code := s.interrupt(t, sig)
				if code != exitFindings {
					t.Errorf("exit %d, want %d\nstderr:\n%s", code, exitFindings, s.stderr)
				}
				checkInterruptedReport(t, format, s.stdout.String())
				if left := objectsUnder(t, mc, root+"/"); len(left) > 0 {
					t.Errorf("left behind in the bucket: %q", left)
				}
			})
		}
	}
}

// checkInterruptedReport checks a partial report says it is partial.
func checkInterruptedReport(t *testing.T, format, out string) {
	t.Helper()
	switch format {
	case "json":
		var doc map[string]any
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("stdout is not one JSON document: %v\n%s", err, out)
		}
		if doc["interrupted"] != true {
			t.Errorf(`the JSON report lacks "interrupted": true:\n%s`, out)
		}
	default:
		if !strings.Contains(out, "interrupted") {
			t.Errorf("the report does not say it was interrupted:\n%s", out)
		}
		if !strings.Contains(out, "Result:") {
			t.Errorf("no verdict line, so no report was printed:\n%s", out)
		}
	}
}

// TestSignalDuringBenchmark interrupts --include-performance once it has
// written several objects (the probe writes one; the rest are the
// benchmark's). Its cleanup must delete every one of them.
func TestSignalDuringBenchmark(t *testing.T) {
	bin := buildBinary(t)
	s3 := testenv.MinIO(t)
	mc := minioClient(t, s3)
	for _, sig := range signals {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			proxy := startS3Proxy(t, s3.URL())
			root := "signal-test/" + filepath.Base(dir)
			// No metasrv to wait for: the run gets to the benchmark fast.
			cfg := writeTestFile(t, dir, "standalone.toml", fmt.Sprintf(`[storage]
type = "S3"
bucket = %q
root = %q
endpoint = "http://%s"
region = %q
access_key_id = %q
secret_access_key = %q
`, testBucket, root, proxy.Addr, s3.Region, s3.AccessKey, s3.SecretKey))
			s := startStepstone(t, bin, dir, nil, "standalone", "-c", cfg, "-o", "json", "--include-performance", "--timeout", "60s")
			busy := make(chan struct{})
			go func() {
				for proxy.puts.Load() < 20 {
					select {
					case <-s.exited:
						return
					case <-time.After(10 * time.Millisecond):
					}
				}
				close(busy)
			}()
			s.waitFor(t, busy, "benchmark writes", 60*time.Second)
			_, code := s.interrupt(t, sig)
			if code != exitFindings {
				t.Errorf("exit %d, want %d\nstderr:\n%s", code, exitFindings, s.stderr)
			}
			checkInterruptedReport(t, "json", s.stdout.String())
			if left := objectsUnder(t, mc, root+"/"); len(left) > 0 {
				t.Errorf("%d objects left behind in the bucket, such as %q", len(left), left[0])
			}
		})
	}
}

// TestSecondSignalQuitsAtOnce checks that a second Ctrl-C is not
// swallowed. The first starts the orderly stop, whose cleanup here hangs
// on a store that holds deletes (it would give up after 5s); the second
// must end the process at once through the default handler. Before the
// fix the signal relay stayed installed and ate every later signal.
func TestSecondSignalQuitsAtOnce(t *testing.T) {
	bin := buildBinary(t)
	s3 := testenv.MinIO(t)
	mc := minioClient(t, s3)
	dir := t.TempDir()
	bh := startBlackhole(t)
	proxy := startS3Proxy(t, s3.URL())
	proxy.stall.Store(true)
	proxy.stallDeletes.Store(true)
	root := "signal-test/" + filepath.Base(dir)
	// Quitting at once leaves the probe's object; remove it afterwards.
	t.Cleanup(func() {
		for _, k := range objectsUnder(t, mc, root+"/") {
			_ = mc.RemoveObject(context.Background(), testBucket, k, minio.RemoveObjectOptions{})
		}
	})
	cfg := probeConfig(t, dir, bh.Addr, s3, proxy.Addr, root)
	s := startStepstone(t, bin, dir, nil, "datanode", "-c", cfg, "--timeout", "120s")
	s.waitFor(t, proxy.stalled, "held object read", 30*time.Second)
	if err := s.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	select {
	case <-s.exited:
		t.Fatalf("stepstone exited before the second signal, so cleanup did not wait for the held delete: %v\nstderr:\n%s", s.err, s.stderr)
	default:
	}
	if err := s.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.exited:
	case <-time.After(2 * time.Second):
		t.Fatalf("still running 2s after the second SIGINT\nstderr:\n%s", s.stderr)
	}
	ws, ok := s.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGINT {
		t.Errorf("want the process ended by SIGINT, got %v\nstderr:\n%s", s.cmd.ProcessState, s.stderr)
	}
}

// TestSignalWhileLinting interrupts stepstone while it parses and lints a
// large tree (3,000 copies of the upstream datanode example). Before the
// fix parsing and the rules never looked at the signal: the run exited 3
// after the last-resort timer, with no report. Now it stops scheduling
// files, leaves out the ones not yet linted and writes the report, marked
// as interrupted, with exit 1.
func TestSignalWhileLinting(t *testing.T) {
	bin := buildBinary(t)
	example, err := os.ReadFile(upstreamDatanode)
	if err != nil {
		t.Fatalf("upstream datanode example: %v", err)
	}
	// Each file is the example and 4,000 more keys of a table GreptimeDB
	// does not know: 75 MB that take seconds to lint on two cores, so the
	// signal, sent once stepstone has read the first few MB of them,
	// lands while files are still being linted.
	var extra bytes.Buffer
	extra.WriteString("\n[stepstone_test]\n")
	for i := range 4000 {
		fmt.Fprintf(&extra, "k%d = %d\n", i, i)
	}
	data := append(append([]byte(nil), example...), extra.Bytes()...)
	tree := t.TempDir()
	for i := 0; i < 1000; i++ {
		if err := os.WriteFile(filepath.Join(tree, fmt.Sprintf("datanode-%d.toml", i)), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	formats := map[syscall.Signal]string{syscall.SIGINT: "json", syscall.SIGTERM: "human"}
	for _, sig := range signals {
		format := formats[sig]
		t.Run(sig.String()+"/"+format, func(t *testing.T) {
			s := startStepstone(t, bin, t.TempDir(), nil, "lint", "-o", format, tree)
			s.waitReading(t, 4<<20)
			_, code := s.interrupt(t, sig)
			if code != exitFindings {
				t.Errorf("exit %d, want %d\nstderr:\n%s", code, exitFindings, s.stderr)
			}
			if strings.Contains(s.stderr.String(), "did not stop") {
				t.Errorf("the last-resort timer ended the run:\n%s", s.stderr)
			}
			checkInterruptedReport(t, format, s.stdout.String())
		})
	}
}
