package probe

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/internal/testenv"
	"github.com/stepstone-dev/stepstone/report"
)

// testPerf returns benchmark options small enough for go test: tiny
// objects, few requests per pass (the budget ends a pass long before its
// one second), and no thresholds, since a busy machine must not fail a
// test. Timings are never asserted.
func testPerf() *PerfOptions {
	p := DefaultPerfOptions()
	p.Sizes = []int64{1 << 10, 64 << 10}
	p.Workers = 3
	p.Duration = time.Second
	p.MaxRequests = 24
	p.MaxBytes = 4 << 20
	p.MetaDuration = time.Second
	p.EtcdRate = 40
	p.EtcdClients = 4
	p.Thresholds = nil
	return p
}

// benchOpts returns probe options that run the benchmarks.
func benchOpts(p *PerfOptions) Options {
	o := probeOpts()
	o.Perf = p
	return o
}

// metricMap indexes a result's metrics by name.
func metricMap(r report.ProbeResult) map[string]report.Metric {
	m := map[string]report.Metric{}
	for _, x := range r.Metrics {
		m[x.Name] = x
	}
	return m
}

// wantMetrics fails unless every name is among the result's metrics with a
// positive value.
func wantMetrics(t *testing.T, r report.ProbeResult, names ...string) {
	t.Helper()
	m := metricMap(r)
	for _, n := range names {
		got, ok := m[n]
		if !ok {
			var have []string
			for _, x := range r.Metrics {
				have = append(have, x.Name)
			}
			t.Errorf("%s: no metric %s among %s", r.Name, n, strings.Join(have, " "))
			continue
		}
		if got.Value <= 0 {
			t.Errorf("%s: %s = %v, want > 0", r.Name, n, got.Value)
		}
	}
}

// objectMetrics are the metrics every object store benchmark reports
// with testPerf.
var objectMetrics = []string{
	"bench.put.1KiB.latency.samples", "bench.put.1KiB.latency.p50", "bench.put.1KiB.latency.p90", "bench.put.1KiB.latency.cold",
	"bench.put.1KiB.throughput.ops_per_s", "bench.put.1KiB.throughput.mib_per_s",
	"bench.get.64KiB.latency.ttfb_p50", "bench.get.64KiB.latency.ttfb_cold", "bench.get.64KiB.latency.p50",
	"bench.get.64KiB.throughput.mib_per_s",
	"bench.stat.1KiB.latency.p50", "bench.stat.1KiB.throughput.ops_per_s",
	"bench.list.64KiB.latency.p50", "bench.delete.64KiB.latency.p50", "bench.delete.64KiB.throughput.ops_per_s",
	"bench.total.all.run.requests", "bench.total.all.run.bytes",
}

// checkObjectBench runs a config's probes and benchmark, checks the
// benchmark passed with every metric, and that nothing is left under the
// run's prefix (listed by list).
func checkObjectBench(t *testing.T, name, conf string, list func(prefix string) []string, prefixOf func(runID string) string) {
	t.Helper()
	f := loadTestConfig(t, name, conf)
	opts := benchOpts(testPerf())
	res := runFile(t, f, opts)
	var b report.ProbeResult
	for _, r := range res {
		if strings.HasSuffix(r.Name, " benchmark") {
			b = r
		}
	}
	if !strings.HasSuffix(b.Name, " benchmark") {
		t.Fatalf("no benchmark result among %d results", len(res))
	}
	if b.Status != report.Pass {
		t.Fatalf("%s: %s %s: %s", b.Name, b.Status, b.Class, b.Message)
	}
	wantMetrics(t, b, objectMetrics...)
	if m := metricMap(b); m["bench.put.1KiB.latency.errors"].Value != 0 || m["bench.get.64KiB.throughput.errors"].Value != 0 {
		t.Errorf("errors reported: %v", b.Metrics)
	}
	// p99 needs 100 samples; the budget of 24 never gets there.
	if _, ok := metricMap(b)["bench.put.1KiB.latency.p99"]; ok {
		t.Errorf("p99 reported from fewer than 100 samples")
	}
	if !strings.Contains(b.Message, "requests") || !strings.Contains(b.Message, "transferred") {
		t.Errorf("the message does not state the requests and bytes used: %s", b.Message)
	}
	if left := list(prefixOf(opts.RunID)); len(left) > 0 {
		t.Errorf("benchmark data left behind: %v", left)
	}
}

func TestBenchS3(t *testing.T) {
	s3 := testenv.MinIO(t)
	c := minioBucket(t, s3)
	checkObjectBench(t, "datanode.toml", s3Conf(s3.URL(), probeTestBucket, s3.Region, s3.AccessKey, s3.SecretKey, ""),
		func(p string) []string { return minioObjects(t, c, p) },
		func(id string) string { return "probe-test/.stepstone/" + id + "/" })
}

// TestBenchOSS: Aliyun OSS is reached through its S3-compatible API;
// MinIO stands in, as in the OSS probe's test.
func TestBenchOSS(t *testing.T) {
	s3 := testenv.MinIO(t)
	c := minioBucket(t, s3)
	conf := fmt.Sprintf(`node_id = 1
[storage]
type = "Oss"
bucket = %q
root = "oss-test"
endpoint = %q
access_key_id = %q
access_key_secret = %q
`, probeTestBucket, s3.URL(), s3.AccessKey, s3.SecretKey)
	checkObjectBench(t, "datanode.toml", conf,
		func(p string) []string { return minioObjects(t, c, p) },
		func(id string) string { return "oss-test/.stepstone/" + id + "/" })
}

func TestBenchAzblob(t *testing.T) {
	az := testenv.Azurite(t)
	c := azuriteContainer(t, az)
	checkObjectBench(t, "datanode.toml", azConf(az.Endpoint, probeTestBucket, az.Account, az.Key),
		func(p string) []string { return azuriteBlobs(t, c, p) },
		func(id string) string { return "probe-test/.stepstone/" + id + "/" })
}

func TestBenchGCS(t *testing.T) {
	g := testenv.FakeGCS(t)
	c := fakeGCSBucket(t, g)
	conf := `node_id = 1
[storage]
type = "Gcs"
bucket = "` + probeTestBucket + `"
root = "probe-test"
endpoint = "` + g.Endpoint + `"
`
	checkObjectBench(t, "datanode.toml", conf,
		func(p string) []string { return fakeGCSObjects(t, c, p) },
		func(id string) string { return "probe-test/.stepstone/" + id + "/" })
}

func TestBenchFile(t *testing.T) {
	home := t.TempDir()
	conf := "node_id = 1\n[storage]\ntype = \"File\"\ndata_home = \"" + home + "\"\n"
	checkObjectBench(t, "datanode.toml", conf,
		func(p string) []string {
			st := fileBenchStore{root: home, dirs: &sync.Map{}}
			names, _ := st.list(context.Background(), p)
			if _, err := st.stat(context.Background(), testPrefixName); err == nil {
				names = append(names, testPrefixName+" still exists")
			}
			return names
		},
		func(id string) string { return testPrefixName + "/" })
}

// TestBenchInterrupted cancels the run in the middle of a GET pass: the
// benchmark stops, says it was interrupted, and still removes everything.
func TestBenchInterrupted(t *testing.T) {
	s3 := testenv.MinIO(t)
	c := minioBucket(t, s3)
	f := loadTestConfig(t, "datanode.toml", s3Conf(s3.URL(), probeTestBucket, s3.Region, s3.AccessKey, s3.SecretKey, ""))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := testPerf()
	p.Duration = time.Minute // only the interrupt ends the GET pass
	p.MaxRequests = 1 << 20
	p.MaxBytes = 256 << 10 // but PUT stops at 256 objects of 1 KiB
	var once sync.Once
	p.Progress = func(msg string) {
		if strings.Contains(msg, "GET 1KiB throughput") {
			once.Do(func() { time.AfterFunc(300*time.Millisecond, cancel) })
		}
	}
	opts := benchOpts(p)
	start := time.Now()
	res := RunProbes(ctx, []*configs.File{f}, opts)[0]
	b := res[len(res)-1]
	t.Logf("%s %s [%s]: %s (%s)", b.Status, b.Name, b.Class, b.Message, time.Since(start).Round(time.Millisecond))
	if b.Status != report.Skip || b.Class != ClassCanceled {
		t.Errorf("interrupted benchmark: %s %s, want SKIP %s", b.Status, b.Class, ClassCanceled)
	}
	if left := minioObjects(t, c, "probe-test/.stepstone/"+opts.RunID+"/"); len(left) > 0 {
		t.Errorf("%d objects left after an interrupt, e.g. %s", len(left), left[0])
	}
}

// TestBenchSkipped checks when benchmarks do not run: a failed probe,
// --read-only, and a store named twice.
func TestBenchSkipped(t *testing.T) {
	s3 := testenv.MinIO(t)
	minioBucket(t, s3)
	good := s3Conf(s3.URL(), probeTestBucket, s3.Region, s3.AccessKey, s3.SecretKey, "")
	bad := s3Conf(s3.URL(), probeTestBucket, s3.Region, s3.AccessKey, "Wr0ng-s3-Secret-Key", "")
	t.Run("probe failed", func(t *testing.T) {
		res := runFile(t, loadTestConfig(t, "datanode.toml", bad), benchOpts(testPerf()))
		b := res[len(res)-1]
		if b.Status != report.Skip || !strings.Contains(b.Message, "did not pass") {
			t.Errorf("got %s: %s", b.Status, b.Message)
		}
	})
	t.Run("read-only", func(t *testing.T) {
		opts := benchOpts(testPerf())
		opts.ReadOnly = true
		forbidWrites(t)
		res := runFile(t, loadTestConfig(t, "datanode.toml", good), opts)
		b := res[len(res)-1]
		if b.Status != report.Skip || !strings.Contains(b.Message, "--read-only") {
			t.Errorf("got %s: %s", b.Status, b.Message)
		}
	})
	t.Run("same store twice", func(t *testing.T) {
		p := testPerf()
		p.Sizes = []int64{1 << 10}
		// Another root in the same bucket is still the same store.
		f1 := loadTestConfig(t, "datanode-0.toml", good)
		f2 := loadTestConfig(t, "datanode-1.toml", strings.Replace(good, `root = "probe-test"`, `root = "probe-test-1"`, 1))
		out := RunProbes(context.Background(), []*configs.File{f1, f2}, benchOpts(p))
		b1, b2 := out[0][len(out[0])-1], out[1][len(out[1])-1]
		if b1.Status != report.Pass || b2.Status != report.Skip || !strings.Contains(b2.Message, "measured for") {
			t.Errorf("got %s (%s) and %s (%s)", b1.Status, b1.Message, b2.Status, b2.Message)
		}
	})
	t.Run("default path unchanged", func(t *testing.T) {
		res := runFile(t, loadTestConfig(t, "datanode.toml", good), probeOpts())
		for _, r := range res {
			if strings.HasSuffix(r.Name, "benchmark") || len(r.Metrics) > 0 && strings.HasPrefix(r.Metrics[0].Name, "bench.") {
				t.Errorf("a benchmark ran without Perf: %s", r.Name)
			}
		}
	})
}

// TestBenchThresholds grades with thresholds that every run crosses: a
// latency above 0s warns, a throughput below an absurd rate fails.
func TestBenchThresholds(t *testing.T) {
	s3 := testenv.MinIO(t)
	minioBucket(t, s3)
	f := loadTestConfig(t, "datanode.toml", s3Conf(s3.URL(), probeTestBucket, s3.Region, s3.AccessKey, s3.SecretKey, ""))
	zero, huge := 0.0, 1e12
	for _, tc := range []struct {
		name   string
		th     Threshold
		status report.Status
		class  string
	}{
		{"warn", Threshold{Metric: "stat.*.latency.p50", Warn: &zero}, report.Warn, ClassPerformance},
		{"fail", Threshold{Metric: "get.64KiB.throughput.mib_per_s", Fail: &huge}, report.Fail, ClassPerformance},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := testPerf()
			p.Thresholds = []Threshold{tc.th}
			res := runFile(t, f, benchOpts(p))
			b := res[len(res)-1]
			if b.Status != tc.status || b.Class != tc.class || !strings.Contains(b.Message, "threshold") {
				t.Errorf("got %s %s: %s", b.Status, b.Class, b.Message)
			}
			if tc.status == report.Fail && b.Suggestion == "" {
				t.Error("a failure without a suggestion")
			}
		})
	}
}
