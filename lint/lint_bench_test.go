package lint

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stepstone-dev/stepstone/configs"
)

// BenchmarkLint measures static-check throughput over the five upstream
// example configs (the largest real configs there are: 2,685 lines in all),
// doing for each what the lint command does per file: load, apply the
// environment's overrides, lint and list the effective values; then the
// cross-file rules once per round. The report and its output are measured
// by BenchmarkLintCLI (cmd/stepstone). Figures go into docs/benchmarks.md.
func BenchmarkLint(b *testing.B) {
	paths, err := filepath.Glob("../../shared/greptime-configs/upstream/*.example.toml")
	if err != nil || len(paths) != 5 {
		b.Fatalf("upstream examples not found beside the repository (%v): clone with shared/ beside it", err)
	}
	var data [][]byte
	var bytes int64
	for _, p := range paths {
		d, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		data = append(data, d)
		bytes += int64(len(d))
	}
	configs.SchemaFor(configs.Datanode) // build the catalog outside the timing
	environ := append(os.Environ(), "GREPTIMEDB_DATANODE__LOGGING__LEVEL=info")
	b.SetBytes(bytes)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		files := make([]*configs.File, 0, len(paths))
		for j, p := range paths {
			f, err := configs.Load(filepath.Base(p), data[j], "")
			if err != nil {
				b.Fatal(err)
			}
			configs.ApplyEnv(f, environ, "")
			Lint(f, environ)
			_ = configs.EffectiveValues(f)
			files = append(files, f)
		}
		LintCluster(files)
	}
	b.ReportMetric(float64(b.N*len(paths))/b.Elapsed().Seconds(), "configs/s")
}

// BenchmarkLintCluster runs the cross-file rules over a thousand copies of
// the upstream datanode example, kept as a lint run keeps them (only the
// ClusterKeys): every copy binds the same ports and names the same node
// id, the worst case for the rules that group findings.
func BenchmarkLintCluster(b *testing.B) {
	data, err := os.ReadFile("../../shared/greptime-configs/upstream/datanode.example.toml")
	if err != nil {
		b.Fatalf("upstream datanode example not found beside the repository (%v): clone with shared/ beside it", err)
	}
	keep := configs.NewKeySet(ClusterKeys)
	files := make([]*configs.File, 1000)
	for i := range files {
		f, err := configs.Load(fmt.Sprintf("datanode-%04d.toml", i), data, "")
		if err != nil {
			b.Fatal(err)
		}
		f.Retain(keep, false)
		files[i] = f
	}
	b.ReportAllocs()
	for b.Loop() {
		if len(LintCluster(files)) == 0 {
			b.Fatal("no cluster finding over a thousand copies of one datanode")
		}
	}
}
