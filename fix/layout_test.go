package fix

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/lint"
	"github.com/stepstone-dev/stepstone/report"
)

// layoutInputs are every TOML file of the repository's test data and
// GreptimeDB's upstream examples (when checked out beside it).
func layoutInputs(t testing.TB) map[string][]byte {
	out := map[string][]byte{}
	for _, root := range []string{"testdata", "../configs", "../lint/testdata", "../../../shared/greptime-configs"} {
		_ = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".toml") {
				return nil
			}
			if b, err := os.ReadFile(path); err == nil {
				out[path] = b
			}
			return nil
		})
	}
	if len(out) < 20 {
		t.Fatalf("only %d TOML inputs found", len(out))
	}
	return out
}

// componentOf guesses a file's component from its name, as the golden
// cases are named; datanode otherwise.
func componentOf(path string) configs.Component {
	base := filepath.Base(path)
	for _, c := range []configs.Component{configs.Metasrv, configs.Frontend, configs.Datanode, configs.Flownode, configs.Standalone} {
		if strings.Contains(base, string(c)) {
			return c
		}
	}
	return configs.Datanode
}

// The layout walk finds what it found before it allocated in blocks.
func TestLayoutSameAsOld(t *testing.T) {
	for path, src := range layoutInputs(t) {
		checkLayout(t, path, src)
	}
}

func checkLayout(t testing.TB, name string, src []byte) {
	t.Helper()
	got, want := parseLayout(src), parseLayoutOld(src)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: layout differs from the old walk's", name)
	}
}

// Attach sets the same fixes as when it worked out every fix of the file,
// and each producer's fixes alone are the full list's fixes of its rules.
func TestAttachSameAsOld(t *testing.T) {
	for path, src := range layoutInputs(t) {
		f, err := configs.Load(path, src, componentOf(path))
		if err != nil {
			continue
		}
		checkAttach(t, f)
	}
}

func checkAttach(t testing.TB, f *configs.File) {
	t.Helper()
	full := Compute(f)
	for _, group := range [][]string{renameRules, valueRules, ossRules} {
		want := map[string]bool{}
		for _, r := range group {
			want[r] = true
		}
		var sub []Fix
		for _, fx := range full {
			if want[fx.Rule] {
				sub = append(sub, fx)
			}
		}
		if got := compute(f, want, false); !reflect.DeepEqual(got, sub) {
			t.Fatalf("%s: the fixes of %v alone differ from theirs in the full list:\n%+v\nwant %+v", f.Path, group, got, sub)
		}
	}
	for _, fx := range full {
		if fx.Key == "" && fx.Rule != "toml-syntax" {
			t.Fatalf("%s: a %s fix without a key would never be attached", f.Path, fx.Rule)
		}
	}
	// The findings lint reports, one per fix (so that every fix may be
	// attached), one about another file and one without a key.
	fs := lint.Lint(f, nil)
	for _, fx := range full {
		fs = append(fs, report.Finding{Rule: fx.Rule, Key: fx.Key, Pos: report.Position{File: f.Path}})
		fs = append(fs, report.Finding{Rule: fx.Rule, Key: fx.Key, Pos: report.Position{File: f.Path + ".other"}})
	}
	fs = append(fs, report.Finding{Rule: "toml-syntax", Pos: report.Position{File: f.Path}})
	got := append([]report.Finding(nil), fs...)
	want := append([]report.Finding(nil), fs...)
	Attach(f, got)
	attachOld(f, want)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: attached fixes differ from the old Attach's", f.Path)
	}
	// Each finding on its own, so that Attach works out one rule's fixes.
	for i := range fs {
		one, old := []report.Finding{fs[i]}, []report.Finding{fs[i]}
		Attach(f, one)
		attachOld(f, old)
		if !reflect.DeepEqual(one, old) {
			t.Fatalf("%s: the fix attached to %s %s differs from the old Attach's", f.Path, fs[i].Rule, fs[i].Key)
		}
	}
}

// FuzzLayout compares the layout walk and Attach with their old versions.
func FuzzLayout(f *testing.F) {
	ins, _ := filepath.Glob("testdata/golden/*.in.toml")
	for _, in := range ins {
		b, _ := os.ReadFile(in)
		f.Add(b)
	}
	f.Add([]byte("[a.\"b c\".d]\n\"x.y\" . z = 1\n[[e]]\n[[e]]\nf = [\"1gb\", 'x']\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		checkLayout(t, "fuzzed", src)
		if lf, err := configs.Load("datanode.toml", src, configs.Datanode); err == nil {
			checkAttach(t, lf)
		}
	})
}
