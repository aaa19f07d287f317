package configs

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkLoad measures loading (parsing, indexing, decoding) the upstream
// datanode example, the file lint-speed.sh copies 1,000 times.
func BenchmarkLoad(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(sharedDir, "upstream", "datanode.example.toml"))
	if err != nil {
		b.Fatalf("upstream datanode example: %v", err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := Load("datanode.toml", data, Datanode)
		if err != nil || f.SyntaxError != nil {
			b.Fatal(err, f.SyntaxError)
		}
	}
}
