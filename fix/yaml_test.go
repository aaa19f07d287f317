package fix

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestYAMLGolden fixes the TOML inside GreptimeDBCluster config blocks and
// Helm configData, which must land with the block's indentation and the
// file's line endings, and leave every other line as it was.
func TestYAMLGolden(t *testing.T) {
	ins, _ := filepath.Glob("testdata/golden/*.in.yaml")
	if len(ins) == 0 {
		t.Fatal("no YAML golden inputs")
	}
	for _, in := range ins {
		name := strings.TrimSuffix(filepath.Base(in), ".in.yaml")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			out, blocks, err := YAML(src)
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range blocks {
				if b.Err != nil {
					t.Errorf("%s: %v", b.Field, b.Err)
				}
			}
			outPath := strings.TrimSuffix(in, ".in.yaml") + ".out.yaml"
			if *update {
				if err := os.WriteFile(outPath, out, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(outPath)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, want) {
				t.Errorf("fixed YAML differs from %s:\n%s", outPath, UnifiedDiff(name, want, out))
			}
			again, _, err := YAML(out)
			if err != nil || !bytes.Equal(again, out) {
				t.Errorf("a second fix changed the YAML again (%v):\n%s", err, UnifiedDiff(name, out, again))
			}
		})
	}
}
