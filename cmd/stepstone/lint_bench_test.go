package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// upstreamDatanode is GreptimeDB's example datanode config, the file
// scripts/lint-speed.sh copies 1,000 times.
const upstreamDatanode = "../../../shared/greptime-configs/upstream/datanode.example.toml"

// BenchmarkLintCLI runs `stepstone lint -o json DIR` in-process on a folder
// of copies of the upstream datanode example: reading, parsing, every file
// and cross-file rule, effective values, the environment and the JSON
// report, everything the command does. One op is one whole run; the
// files/s metric is what to compare. LINT_BENCH_FILES sets the folder size
// (default 200).
func BenchmarkLintCLI(b *testing.B) {
	data, err := os.ReadFile(upstreamDatanode)
	if err != nil {
		b.Fatalf("upstream datanode example: %v (the reference configs must be checked out at ../shared beside the repository)", err)
	}
	n := 200
	if s := os.Getenv("LINT_BENCH_FILES"); s != "" {
		if _, err := fmt.Sscan(s, &n); err != nil || n < 1 {
			b.Fatalf("LINT_BENCH_FILES=%q: want a positive number", s)
		}
	}
	dir := b.TempDir()
	for i := range n {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("datanode-%04d.toml", i)), data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	// A realistic environment: a few dozen variables, two of them
	// overrides for the component.
	environ := append(os.Environ(), "GREPTIMEDB_DATANODE__LOGGING__LEVEL=info", "GREPTIMEDB_DATANODE__HTTP__TIMEOUT=30s")
	var stderr strings.Builder
	b.SetBytes(int64(n * len(data)))
	b.ReportAllocs()
	for b.Loop() {
		stderr.Reset()
		code := run(context.Background(), &environment{
			args:    []string{"stepstone", "lint", "-o", "json", dir},
			stdin:   strings.NewReader(""),
			stdout:  io.Discard,
			stderr:  &stderr,
			getenv:  func(string) string { return "" },
			environ: environ,
		})
		if code != exitOK && code != exitFindings {
			b.Fatalf("exit %d: %s", code, stderr.String())
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "files/s")
}
