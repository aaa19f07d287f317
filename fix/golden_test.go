package fix

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/lint"
)

var update = flag.Bool("update", false, "rewrite the golden .out files")

// TestGolden fixes every testdata/golden/<component>-<case>.in.toml and
// compares the result with the .out file beside it. It also checks that a
// second fix changes nothing and that lint no longer reports the fixed
// findings.
func TestGolden(t *testing.T) {
	ins, err := filepath.Glob("testdata/golden/*.in.toml")
	if err != nil || len(ins) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	rulesFixed := map[string]bool{}
	for _, in := range ins {
		name := strings.TrimSuffix(filepath.Base(in), ".in.toml")
		t.Run(name, func(t *testing.T) {
			comp := configs.Component(strings.SplitN(name, "-", 2)[0])
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			res, err := TOML(name+".toml", src, comp)
			if err != nil {
				t.Fatal(err)
			}
			outPath := strings.TrimSuffix(in, ".in.toml") + ".out.toml"
			if *update {
				if err := os.WriteFile(outPath, res.Fixed, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(outPath)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(res.Fixed, want) {
				t.Errorf("fixed text differs from %s:\n%s", outPath, UnifiedDiff(name, want, res.Fixed))
			}
			if len(res.Applied) == 0 && !bytes.Equal(res.Fixed, src) {
				t.Errorf("nothing applied but the text changed")
			}
			if len(res.Applied) == 0 && &res.Fixed[0] != &src[0] {
				t.Errorf("a file with nothing to fix must come back as the same bytes")
			}
			again, err := TOML(name+".toml", res.Fixed, comp)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again.Fixed, res.Fixed) {
				t.Errorf("a second fix changed the file again:\n%s", UnifiedDiff(name, res.Fixed, again.Fixed))
			}
			if bytes.Contains(src, []byte("\r\n")) && bytes.Count(res.Fixed, []byte("\n")) != bytes.Count(res.Fixed, []byte("\r\n")) {
				t.Errorf("a CRLF file got LF line endings:\n%q", res.Fixed)
			}
			f, err := configs.Load(name+".toml", res.Fixed, comp)
			if err != nil {
				t.Fatal(err)
			}
			if f.SyntaxError != nil {
				t.Fatalf("the fixed file does not parse: %v", f.SyntaxError)
			}
			after := lint.Lint(f, nil)
			for _, a := range res.Applied {
				rulesFixed[a.Rule] = true
				for _, fd := range after {
					if fd.Rule == a.Rule && a.Key != "" && fd.Key == a.Key {
						t.Errorf("after fixing %q (%s), lint still reports: %s", a.Key, a.Description, fd)
					}
				}
			}
			for _, fd := range after {
				if _, fixable := Fixable[fd.Rule]; fixable && fd.Rule != "key-not-for-type" {
					t.Logf("left for a human: %s", fd)
				}
			}
		})
	}
	for rule := range Fixable {
		if !rulesFixed[rule] {
			t.Errorf("no golden case fixes a %s finding", rule)
		}
	}
}
