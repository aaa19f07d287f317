package fix

import (
	"os"
	"testing"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/lint"
	"github.com/stepstone-dev/stepstone/report"
)

// upstreamDatanode is GreptimeDB's example datanode config, the file the
// lint benchmarks copy a thousand times; it has deprecated-key and
// key-not-for-type findings, so Attach works out its fixes.
const upstreamDatanode = "../../../shared/greptime-configs/upstream/datanode.example.toml"

// BenchmarkAttach is what lint -o json spends on fixes per file.
func BenchmarkAttach(b *testing.B) {
	src, err := os.ReadFile(upstreamDatanode)
	if err != nil {
		b.Skipf("upstream datanode example: %v", err)
	}
	f, err := configs.Load("datanode.toml", src, configs.Datanode)
	if err != nil {
		b.Fatal(err)
	}
	findings := lint.Lint(f, nil)
	fs := make([]report.Finding, len(findings))
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		copy(fs, findings)
		Attach(f, fs)
	}
}

// BenchmarkParseLayout is the layout walk alone.
func BenchmarkParseLayout(b *testing.B) {
	src, err := os.ReadFile(upstreamDatanode)
	if err != nil {
		b.Skipf("upstream datanode example: %v", err)
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if parseLayout(src) == nil {
			b.Fatal("no layout")
		}
	}
}
