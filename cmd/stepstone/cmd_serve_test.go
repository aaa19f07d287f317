package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/stepstone-dev/stepstone/internal/testenv"
)

// syncBuffer is a bytes.Buffer that serve's goroutines may write to while
// the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls cond until it holds. It has no time limit of its own (no
// timed assertions): a hang is caught by go test's -timeout, and the
// message says what was awaited.
func waitFor(t *testing.T, what string, log *syncBuffer, cond func() bool) {
	t.Helper()
	for i := 0; !cond(); i++ {
		if i > 0 && i%600 == 0 {
			t.Logf("still waiting for %s; log so far:\n%s", what, log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestServe runs `stepstone serve` in-process on 127.0.0.1:0 against the
// bundled example configs, with the metasrv's metadata store pointed at
// the real PostgreSQL of scripts/testenv.sh: /metrics scraped twice,
// /report and /healthz, a run on SIGHUP, a run on a changed config, and a
// clean stop.
func TestServe(t *testing.T) {
	pg := testenv.Postgres(t)
	dir := t.TempDir()
	example, err := os.ReadFile(filepath.Join(examples, "metasrv.toml"))
	if err != nil {
		t.Fatal(err)
	}
	metasrv := func(dsn string) string {
		s := strings.Replace(string(example), `backend = "etcd_store"`, `backend = "postgres_store"`, 1)
		return strings.Replace(s, `store_addrs = ["127.0.0.1:2379"]`, fmt.Sprintf("store_addrs = [%q]", dsn), 1)
	}
	confPath := writeTestFile(t, dir, "metasrv.toml", metasrv(pg.DSN()))
	if !strings.Contains(metasrv(pg.DSN()), "postgres_store") || !strings.Contains(metasrv(pg.DSN()), pg.Password) {
		t.Fatal("the example metasrv.toml no longer has the lines this test replaces")
	}
	datanode, err := os.ReadFile(filepath.Join(examples, "datanode.toml"))
	if err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, dir, "datanode.toml", string(datanode))

	base, stderr, stop := startServeCLI(t, nil, "--listen", "127.0.0.1:0", "--interval", "1h",
		"--watch-interval", "100ms", "--timeout", "5s", "--deadline", "30s", "--read-only",
		"--label", "cluster=test", dir)

	runs := func(result string) float64 {
		fams := scrape(t, base)
		return value(fams, "stepstone_runs_total", map[string]string{"result": result})
	}
	waitFor(t, "the first run", stderr, func() bool { return runs("success") >= 1 })

	first := scrapeText(t, base)
	second := scrapeText(t, base)
	if reportLines(first) != reportLines(second) {
		t.Errorf("two scrapes without a run between them differ:\n%s\n---\n%s", reportLines(first), reportLines(second))
	}
	for _, body := range []string{first, getBody(t, base+"/report", http.StatusOK), stderr.String()} {
		if strings.Contains(body, pg.Password) {
			t.Fatalf("the PostgreSQL password leaked:\n%s", body)
		}
	}
	fams := scrape(t, base)
	for _, name := range []string{"stepstone_check_status", "stepstone_check_duration_seconds", "stepstone_findings",
		"stepstone_rule_findings", "stepstone_run_status", "stepstone_last_run_timestamp_seconds",
		"stepstone_last_success_timestamp_seconds", "stepstone_build_info", "stepstone_drift_keys",
		"stepstone_run_interval_seconds", "stepstone_run_duration_seconds", "process_resident_memory_bytes"} {
		if fams[name] == nil {
			t.Errorf("/metrics has no %s", name)
		}
	}
	for _, mf := range fams {
		if !strings.HasPrefix(mf.GetName(), "stepstone_") {
			continue
		}
		for _, m := range mf.GetMetric() {
			if labelOf(m, "cluster") != "test" {
				t.Errorf("%s has no cluster=test label", mf.GetName())
				break
			}
		}
	}
	// Read-only, the store probe cannot see the metadata table GreptimeDB
	// would create, which is a WARN; what matters is that it reached it.
	if checkWith(fams, "postgres", "PASS") == "" && checkWith(fams, "postgres", "WARN") == "" {
		t.Fatalf("no PostgreSQL check that reached the server in:\n%s", first)
	}
	if checkWith(fams, "metasrv 127.0.0.1:3002", "FAIL") == "" {
		t.Errorf("the datanode's unreachable metasrv is not a failing check:\n%s", first)
	}

	var doc struct {
		OverallResult string `json:"overall_result"`
		Reports       []struct {
			Component string `json:"component"`
		} `json:"reports"`
	}
	if err := json.Unmarshal([]byte(getBody(t, base+"/report", http.StatusOK)), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OverallResult != "FAIL" || len(doc.Reports) != 2 {
		t.Errorf("/report: %+v", doc)
	}
	if got := getBody(t, base+"/healthz", http.StatusOK); strings.TrimSpace(got) != "ok" {
		t.Errorf("/healthz: %q", got)
	}

	// SIGHUP runs at once (the interval is an hour).
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the run after SIGHUP", stderr, func() bool { return runs("success") >= 2 })
	if !strings.Contains(stderr.String(), "trigger=SIGHUP") {
		t.Errorf("no run logged as started by SIGHUP:\n%s", stderr.String())
	}

	// A changed config is read on the next run, which it starts: the
	// metadata store now refuses connections.
	bad := strings.Replace(metasrv(pg.DSN()), pg.Addr(), "127.0.0.1:1", 1)
	if err := os.WriteFile(confPath, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the run after the config changed", stderr, func() bool {
		return checkWith(scrape(t, base), "127.0.0.1:1", "FAIL") != ""
	})
	if !strings.Contains(stderr.String(), `trigger="file change"`) {
		t.Errorf("no run logged as started by the file change:\n%s", stderr.String())
	}
	if body := scrapeText(t, base); strings.Contains(body, pg.Password) {
		t.Fatalf("the PostgreSQL password leaked after the reload:\n%s", body)
	}

	stop()
}

// startServeCLI starts `stepstone serve ARGS` in-process and waits until
// it listens; stop cancels it and checks that it stopped cleanly.
func startServeCLI(t *testing.T, env []string, args ...string) (base string, stderr *syncBuffer, stop func()) {
	t.Helper()
	vars := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	stderr = &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, &environment{
			args:  append([]string{"stepstone", "serve"}, args...),
			stdin: strings.NewReader(""), stdout: io.Discard, stderr: stderr,
			getenv: func(k string) string { return vars[k] }, environ: env,
		})
	}()
	addrRE := regexp.MustCompile(`msg=listening addr=(\S+)`)
	waitFor(t, "serve to listen", stderr, func() bool {
		if m := addrRE.FindStringSubmatch(stderr.String()); m != nil {
			base = "http://" + m[1]
			return true
		}
		select {
		case c := <-code:
			cancel()
			t.Fatalf("serve exited with %d before listening:\n%s", c, stderr.String())
		default:
		}
		return false
	})
	t.Cleanup(cancel)
	return base, stderr, func() {
		t.Helper()
		cancel()
		if c := <-code; c != 0 {
			t.Errorf("serve exited with %d after cancellation, want 0:\n%s", c, stderr.String())
		}
		if !strings.Contains(stderr.String(), "msg=stopped") {
			t.Errorf("no clean stop logged:\n%s", stderr.String())
		}
	}
}

// TestServeCluster: `serve --cluster NAME` reads the GreptimeDBCluster
// from the API server on every run, and labels its series with the
// cluster's name; a cluster that does not exist is a usage error.
func TestServeCluster(t *testing.T) {
	requireExamples(t)
	srv := fakeAPIServer(t, "s3", "team")
	defer srv.Close()
	kc := writeKubeconfig(t, srv.URL, "team")
	env := []string{"HOME=" + t.TempDir()}
	base, stderr, stop := startServeCLI(t, env, "--cluster", "cluster-with-s3", "--kubeconfig", kc,
		"--static-only", "--listen", "127.0.0.1:0", "--interval", "1h")
	waitFor(t, "the first run", stderr, func() bool {
		return value(scrape(t, base), "stepstone_runs_total", map[string]string{"result": "success"}) >= 1
	})
	fams := scrape(t, base)
	if value(fams, "stepstone_findings", map[string]string{"cluster": "cluster-with-s3"}) == 0 {
		t.Errorf("no findings labelled cluster=cluster-with-s3:\n%s", scrapeText(t, base))
	}
	stop()

	r := runCLI(t, "", []string{"KUBECONFIG=" + kc}, "stepstone", "serve", "--cluster", "nope", "-n", "team", "--listen", "127.0.0.1:0")
	if r.code != 2 || !strings.Contains(r.stderr, `"nope"`) {
		t.Errorf("missing cluster: exit %d\n%s", r.code, r.stderr)
	}
	r = runCLI(t, "", nil, "stepstone", "serve", "--cluster", "x", ".")
	if r.code != 2 {
		t.Errorf("--cluster with a PATH: exit %d\n%s", r.code, r.stderr)
	}
}

func getBody(t *testing.T, url string, want int) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %s, want %d:\n%s", url, resp.Status, want, b)
	}
	return string(b)
}

func scrapeText(t *testing.T, base string) string {
	t.Helper()
	return getBody(t, base+"/metrics", http.StatusOK)
}

func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(scrapeText(t, base)))
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

// reportLines keeps the series that describe the report, leaving out the
// ones that change on every scrape (process and Go runtime figures).
func reportLines(body string) string {
	var out []string
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, "stepstone_") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func labelOf(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// value returns the sum of the family's series whose labels include want.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	var sum float64
	for _, m := range fams[name].GetMetric() {
		ok := true
		for k, v := range want {
			ok = ok && labelOf(m, k) == v
		}
		if ok {
			sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return sum
}

// checkWith returns the name of a check containing part whose status is
// status, or "".
func checkWith(fams map[string]*dto.MetricFamily, part, status string) string {
	for _, m := range fams["stepstone_check_status"].GetMetric() {
		if strings.Contains(labelOf(m, "check"), part) && labelOf(m, "status") == status && m.GetGauge().GetValue() == 1 {
			return labelOf(m, "check")
		}
	}
	return ""
}
