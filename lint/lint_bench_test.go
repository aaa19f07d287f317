package lint

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stepstone-dev/stepstone/configs"
)

// BenchmarkLint measures static-check throughput over the five upstream
// example configs (the largest real configs there are: 2,685 lines in all),
// loading and linting each, then the cross-file rules once per round.
// Figures go into docs/benchmarks.md.
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
			Lint(f, nil)
			files = append(files, f)
		}
		LintCluster(files)
	}
	b.ReportMetric(float64(b.N*len(paths))/b.Elapsed().Seconds(), "configs/s")
}
