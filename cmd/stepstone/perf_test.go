package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepstone-dev/stepstone/internal/testenv"
)

// TestPrometheusOutput writes the text file atomically: the file is
// complete, readable by others, and no temporary file is left.
func TestPrometheusOutput(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "stepstone.prom")
	r := runCLI(t, "", nil, "stepstone", "lint", "-o", "prometheus="+out, filepath.Join(examples, "datanode.toml"))
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "# HELP stepstone_last_run_timestamp_seconds") || !strings.Contains(string(data), "stepstone_findings{") {
		t.Errorf("unexpected file:\n%s", data)
	}
	if st, _ := os.Stat(out); st.Mode().Perm()&0o044 != 0o044 {
		t.Errorf("mode %v: the collector cannot read it", st.Mode())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("files left next to it: %v", entries)
	}
	if r := runCLI(t, "", nil, "stepstone", "lint", "-o", "prometheus", filepath.Join(examples, "datanode.toml")); !strings.Contains(r.stdout, "# TYPE stepstone_run_status gauge") {
		t.Errorf("-o prometheus without a path writes to stdout:\n%s", r.stdout)
	}
}

func TestPerfFlags(t *testing.T) {
	dir := t.TempDir()
	bad := writeTestFile(t, dir, "perf.toml", "[object_store]\nworkerz = 3\n")
	conf := filepath.Join(examples, "datanode.toml")
	r := runCLI(t, "", nil, "stepstone", "datanode", "-c", conf, "--static-only", "--include-performance", "--perf-config", bad)
	if r.code != exitUsage || !strings.Contains(r.stderr, "--perf-config") || !strings.Contains(r.stderr, "workerz") {
		t.Errorf("bad perf config: exit %d, stderr %s", r.code, r.stderr)
	}
	r = runCLI(t, "", nil, "stepstone", "datanode", "-c", conf, "--static-only", "--baseline", "x.json", "--perf-config", bad)
	if r.code == exitUsage || !strings.Contains(r.stderr, "--baseline is ignored without --include-performance") ||
		!strings.Contains(r.stderr, "--perf-config is ignored") {
		t.Errorf("without --include-performance: exit %d, stderr %s", r.code, r.stderr)
	}
	notJSON := writeTestFile(t, dir, "base.json", "nope")
	r = runCLI(t, "", nil, "stepstone", "datanode", "-c", conf, "--static-only", "--include-performance", "--baseline", notJSON)
	if r.code != exitUsage || !strings.Contains(r.stderr, "--baseline") {
		t.Errorf("bad baseline: exit %d, stderr %s", r.code, r.stderr)
	}
}

// TestPerfEndToEnd benchmarks MinIO with a tiny perf config twice, the
// second time against the first run's JSON report, and checks every
// output carries the numbers.
func TestPerfEndToEnd(t *testing.T) {
	s3 := testenv.MinIO(t)
	dir := t.TempDir()
	conf := writeTestFile(t, dir, "standalone.toml", fmt.Sprintf(`[storage]
type = "S3"
bucket = %q
root = "perf-e2e"
endpoint = %q
region = %q
access_key_id = %q
`, testBucket, s3.URL(), s3.Region, s3.AccessKey))
	env := []string{"GREPTIMEDB_STANDALONE__STORAGE__SECRET_ACCESS_KEY=" + s3.SecretKey}
	perf := writeTestFile(t, dir, "perf.toml", `[object_store]
sizes = ["1KiB"]
workers = 2
duration = "1s"
max_requests = 12
max_bytes = "1MiB"
`)
	base := filepath.Join(dir, "base.json")
	args := func(extra ...string) []string {
		return append([]string{"stepstone", "standalone", "-c", conf, "--include-performance", "--perf-config", perf}, extra...)
	}
	r := runCLI(t, "", env, args("--baseline", base, "-o", "json="+base, "-o", "markdown="+filepath.Join(dir, "r.md"))...)
	if !strings.Contains(r.stderr, "no baseline at") {
		t.Errorf("a missing baseline is not noted: %s", r.stderr)
	}
	var doc struct {
		Details []struct {
			Name    string `json:"name"`
			Status  string `json:"status"`
			Metrics []struct {
				Name string `json:"name"`
			} `json:"metrics"`
		} `json:"details"`
	}
	data, err := os.ReadFile(base)
	if err != nil {
		t.Fatalf("%v\n%s", err, r.stderr)
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range doc.Details {
		if strings.HasSuffix(d.Name, "benchmark") {
			found = d.Status == "PASS" && len(d.Metrics) > 10 && strings.HasPrefix(d.Metrics[0].Name, "bench.put.1KiB.")
			if !found {
				t.Errorf("benchmark %s %s with %d metrics", d.Name, d.Status, len(d.Metrics))
			}
		}
	}
	if !found {
		t.Fatalf("no benchmark in the JSON report:\n%s", data)
	}
	md, _ := os.ReadFile(filepath.Join(dir, "r.md"))
	if !strings.Contains(string(md), "xychart-beta") || !strings.Contains(string(md), "| PUT | 1KiB |") {
		t.Errorf("the Markdown has no benchmark table or chart:\n%s", md)
	}
	r = runCLI(t, "", env, args("--baseline", base)...)
	if !strings.Contains(r.stdout, "vs baseline") || !strings.Contains(r.stdout, "operation") {
		t.Errorf("the second run shows no comparison:\n%s\n%s", r.stdout, r.stderr)
	}
}

// TestClusterPerformance benchmarks the object storage of a
// GreptimeDBCluster manifest: `cluster -f --include-performance` once took
// the flag and ignored it. The Job mode refuses files it cannot read.
func TestClusterPerformance(t *testing.T) {
	s3 := testenv.MinIO(t)
	dir := t.TempDir()
	manifest := s3ClusterManifest(t, dir, "cluster-perf", s3.SecretKey)
	perf := writeTestFile(t, dir, "perf.toml", "[object_store]\nsizes = [\"1KiB\"]\nworkers = 2\nduration = \"1s\"\nmax_requests = 8\nmax_bytes = \"1MiB\"\n")
	report := filepath.Join(dir, "r.json")
	r := runCLI(t, "", nil, "stepstone", "cluster", "-f", manifest, "--timeout", "3s", "--include-performance", "--perf-config", perf, "-o", "json="+report)
	data, err := os.ReadFile(report)
	if err != nil {
		t.Fatalf("exit %d, no report: %v\n%s", r.code, err, r.stderr)
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("the report is not JSON: %v", err)
	}
	var benched []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			name, _ := x["name"].(string)
			metrics, _ := x["metrics"].([]any)
			if strings.HasPrefix(name, "s3 bucket") && strings.HasSuffix(name, " benchmark") && x["status"] == "PASS" && len(metrics) > 3 {
				benched = append(benched, name)
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(doc)
	if len(benched) != 1 {
		t.Errorf("want one passing S3 benchmark with its metrics in the cluster report, got %q (exit %d):\n%s", benched, r.code, data)
	}
	if strings.Contains(string(data)+r.stdout+r.stderr, s3.SecretKey) {
		t.Errorf("the secret key from the manifest's Secret is in the output")
	}
	if left := objectsUnder(t, minioClient(t, s3), "cluster-perf/"); len(left) > 0 {
		t.Errorf("the benchmark left %d objects: %q", len(left), left)
	}

	r = runCLI(t, "", nil, "stepstone", "cluster", "perf", "--in-cluster", "--include-performance", "--perf-config", perf)
	if r.code != exitUsage || !strings.Contains(r.stderr, "the Job cannot read --perf-config") {
		t.Errorf("--in-cluster with --perf-config: exit %d, stderr %s", r.code, r.stderr)
	}
	r = runCLI(t, "", nil, "stepstone", "cluster", "-f", manifest, "--static-only", "--on-host")
	if r.code == exitUsage || !strings.Contains(r.stderr, "--on-host is ignored") {
		t.Errorf("cluster --on-host: exit %d, stderr %s", r.code, r.stderr)
	}
}
