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

// BenchmarkAttach is what lint -o json spends on fixes per file: the
// upstream example as it is (no finding takes a fix) and with a line
// GreptimeDB 0.14 removed added at the top (a deletion to attach).
func BenchmarkAttach(b *testing.B) {
	src, err := os.ReadFile(upstreamDatanode)
	if err != nil {
		b.Skipf("upstream datanode example: %v", err)
	}
	for _, bc := range []struct {
		name string
		src  []byte
	}{
		{"upstream", src},
		{"with-removed-key", append([]byte("mode = \"distributed\"\n"), src...)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			f, err := configs.Load("datanode.toml", bc.src, configs.Datanode)
			if err != nil {
				b.Fatal(err)
			}
			findings := lint.Lint(f, nil)
			fs := make([]report.Finding, len(findings))
			b.SetBytes(int64(len(bc.src)))
			b.ReportAllocs()
			for b.Loop() {
				copy(fs, findings)
				Attach(f, fs)
			}
			if bc.name == "with-removed-key" {
				n := 0
				for _, fd := range fs {
					if fd.Fix != nil {
						n++
					}
				}
				if n == 0 {
					b.Fatal("no fix attached")
				}
			}
		})
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
