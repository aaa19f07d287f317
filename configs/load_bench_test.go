package configs

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/pelletier/go-toml/v2/unstable"
)

// BenchmarkLoad measures loading (parsing, indexing, decoding) the upstream
// datanode example, the file lint-speed.sh copies 1,000 times.
func BenchmarkLoad(b *testing.B) {
	data := benchExample(b)
	for b.Loop() {
		f, err := Load("datanode.toml", data, Datanode)
		if err != nil || f.SyntaxError != nil {
			b.Fatal(err, f.SyntaxError)
		}
	}
}

// BenchmarkLoadBareParser is the yardstick: one pass of go-toml/v2's
// unstable parser over the same file, building nothing.
func BenchmarkLoadBareParser(b *testing.B) {
	data := benchExample(b)
	for b.Loop() {
		var p unstable.Parser
		p.Reset(data)
		for p.NextExpression() {
		}
		if p.Error() != nil {
			b.Fatal(p.Error())
		}
	}
}

// BenchmarkLoadParseDoc and BenchmarkLoadParseDocOracle compare parseDoc
// with the loader it replaced (oracle_test.go) in one process, which a
// busy machine skews less than two runs.
func BenchmarkLoadParseDoc(b *testing.B) {
	benchParseDoc(b, func(file string, src []byte) parsed { return parseDoc(file, src, -1) })
}
func BenchmarkLoadParseDocOracle(b *testing.B) {
	benchParseDoc(b, func(file string, src []byte) parsed { return oldParseDoc(file, src).parsed })
}

func benchParseDoc(b *testing.B, parse func(string, []byte) parsed) {
	data := benchExample(b)
	for b.Loop() {
		if pd := parse("datanode.toml", data); !pd.ok {
			b.Fatal("no tree")
		}
	}
}

// benchExample reads the upstream datanode example for a benchmark of one
// pass over it.
func benchExample(b *testing.B) []byte {
	data, err := os.ReadFile(filepath.Join(sharedDir, "upstream", "datanode.example.toml"))
	if err != nil {
		b.Fatalf("upstream datanode example: %v", err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	return data
}
