package serve

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/stepstone-dev/stepstone/report"
)

func newServer(t *testing.T, o Options) *Server {
	t.Helper()
	if o.Interval == 0 {
		o.Interval = time.Hour
	}
	if o.Deadline == 0 {
		o.Deadline = time.Hour
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func runs(s *Server, result string) float64 {
	return testutil.ToFloat64(s.metrics.runs.WithLabelValues(result))
}

// TestRunsNeverOverlap triggers runs while one is in progress: they wait
// for it and run one after another, and a burst of triggers makes one run.
func TestRunsNeverOverlap(t *testing.T) {
	var mu sync.Mutex
	active, most, n := 0, 0, 0
	release := make(chan struct{})
	started := make(chan int, 10)
	s := newServer(t, Options{Run: func(ctx context.Context) (*report.Report, error) {
		mu.Lock()
		active++
		n++
		most = max(most, active)
		k := n
		mu.Unlock()
		started <- k
		if k == 1 {
			<-release
		}
		mu.Lock()
		active--
		mu.Unlock()
		return &report.Report{Started: time.Now()}, nil
	}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	<-started // the first run, at start, is now blocked
	for range 5 {
		s.Trigger("test")
	}
	close(release)
	if k := <-started; k != 2 {
		t.Fatalf("run %d started, want 2", k)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if most != 1 {
		t.Errorf("%d runs at once", most)
	}
	if n != 2 {
		t.Errorf("%d runs, want 2: five triggers during one run make one more run", n)
	}
}

// TestDeadlineCutsRun: a run that ignores nothing but outlives its
// deadline is cut, counted as a timeout, and not a success.
func TestDeadlineCutsRun(t *testing.T) {
	s := newServer(t, Options{Deadline: 50 * time.Millisecond, Run: func(ctx context.Context) (*report.Report, error) {
		<-ctx.Done()
		return &report.Report{Started: time.Now(), Interrupted: true}, nil
	}})
	s.RunOnce(context.Background(), "test")
	if runs(s, "timeout") != 1 || runs(s, "success") != 0 {
		t.Errorf("timeout %v, success %v", runs(s, "timeout"), runs(s, "success"))
	}
	if v := testutil.ToFloat64(s.metrics.lastSuccess); v != 0 {
		t.Errorf("last success %v after a timed-out run", v)
	}
}

// TestPanicIsAnError: a panicking pipeline is a failed run, not a crash.
func TestPanicIsAnError(t *testing.T) {
	s := newServer(t, Options{Run: func(context.Context) (*report.Report, error) { panic("boom") }})
	s.RunOnce(context.Background(), "test")
	if runs(s, "error") != 1 {
		t.Errorf("error runs: %v", runs(s, "error"))
	}
}

// TestLabelsAreRedacted: every label value goes through Redact, and a
// value made invalid UTF-8 by a config does not break the scrape.
func TestLabelsAreRedacted(t *testing.T) {
	r := &report.Report{Started: time.Now(), Components: []report.ComponentReport{{
		Component: "metasrv", ConfigFile: "meta-hunter2.toml",
		Probes: []report.ProbeResult{{Name: "postgres u:hunter2@db:5432 \xff", Status: report.Fail}},
	}}}
	s := newServer(t, Options{Run: func(context.Context) (*report.Report, error) { return r, nil },
		Redact: func(v string) string { return strings.ReplaceAll(v, "hunter2", "***") }})
	s.RunOnce(context.Background(), "test")
	fams, err := s.metrics.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				seen++
				if strings.Contains(l.GetValue(), "hunter2") {
					t.Errorf("%s{%s=%q}", f.GetName(), l.GetName(), l.GetValue())
				}
			}
		}
	}
	if seen == 0 {
		t.Fatal("no labels at all")
	}
}

func TestJitterStaysWithinTenPercent(t *testing.T) {
	s := newServer(t, Options{Interval: time.Minute, Run: func(context.Context) (*report.Report, error) { return nil, nil }})
	for range 1000 {
		if d := s.jittered(); d < 54*time.Second || d > 66*time.Second {
			t.Fatalf("jittered interval %s", d)
		}
	}
}

// TestFingerprint: a changed config changes it; files the config walk
// skips (.git, other extensions) do not.
func TestFingerprint(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("datanode.toml", "a = 1\n")
	fp := fingerprint([]string{dir})
	write(".git/x.toml", "x")
	write("notes.txt", "x")
	if fingerprint([]string{dir}) != fp {
		t.Error("a file the config walk skips changed the fingerprint")
	}
	write("datanode.toml", "a = 22\n")
	if fingerprint([]string{dir}) == fp {
		t.Error("a changed config did not change the fingerprint")
	}
	fp = fingerprint([]string{dir})
	write("sub/frontend.toml", "")
	if fingerprint([]string{dir}) == fp {
		t.Error("a new config did not change the fingerprint")
	}
}
