package lint

// FuzzLint runs every static rule on fuzzed TOML. Run it with
//
//	go test -run '^$' -fuzz '^FuzzLint$' -fuzztime 60s ./lint/
//
// or with the other targets through scripts/fuzz.sh. Without -fuzz it runs
// on its seeds: the upstream example and CI configs and the golden rule
// cases in testdata/rules.

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

// fuzzShared is the GreptimeDB reference configs folder beside the checkout.
const fuzzShared = "../../shared/greptime-configs"

func FuzzLint(f *testing.F) {
	var seeds []string
	examples, _ := filepath.Glob(filepath.Join(fuzzShared, "upstream", "*.example.toml"))
	if len(examples) == 0 {
		f.Fatalf("no upstream examples under %s/upstream: the GreptimeDB reference configs must be checked out at ../shared beside the repository", fuzzShared)
	}
	seeds = append(seeds, examples...)
	for _, root := range []string{filepath.Join(fuzzShared, "upstream-ci"), "testdata/rules"} {
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".toml") {
				seeds = append(seeds, p)
			}
			return nil
		})
	}
	for i, p := range seeds {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatalf("read seed %s: %v", p, err)
		}
		f.Add(data, uint8(i), "GREPTIMEDB_DATANODE__STORAGE__TYPE=S3")
	}
	f.Add([]byte("a = 1\na = 2\n"), uint8(0), "")
	f.Add([]byte("[storage\n"), uint8(1), "AWS_REGION=x")

	known := map[string]bool{}
	for _, r := range AllRules() {
		known[r.ID] = true
	}
	f.Fuzz(func(t *testing.T, data []byte, pick uint8, envVar string) {
		const path = "fuzz.toml"
		comp := configs.Components[int(pick)%len(configs.Components)]
		file, err := configs.Load(path, data, comp)
		if err != nil {
			t.Fatalf("Load with component %q: %v", comp, err)
		}
		env := []string{envVar, "GREPTIMEDB_" + strings.ToUpper(string(comp)) + "__" + strings.ToUpper(strings.SplitN(envVar, "=", 2)[0]) + "=1"}
		configs.ApplyEnv(file, env, "")
		lines := bytes.Split(data, []byte{'\n'})
		check := func(fd report.Finding) {
			t.Helper()
			if !known[fd.Rule] {
				t.Fatalf("finding %v has rule %q, which is not a rule", fd, fd.Rule)
			}
			if fd.Message == "" || strings.ContainsAny(fd.Message, "\r\n") {
				t.Fatalf("finding [%s] has an empty or multi-line message: %q", fd.Rule, fd.Message)
			}
			p := fd.Pos
			if p.File != path {
				t.Fatalf("finding %v names file %q", fd, p.File)
			}
			if p.Line < 0 || p.Line > len(lines) {
				t.Fatalf("finding %v: line %d outside the file's %d lines", fd, p.Line, len(lines))
			}
			if p.Line > 0 {
				if n := utf8.RuneCount(lines[p.Line-1]); p.Col < 1 || p.Col > n+1 {
					t.Fatalf("finding %v: column %d outside line %d of %d runes", fd, p.Col, p.Line, n)
				}
			}
			if fd.EndLine != 0 && (fd.EndLine < p.Line || fd.EndLine > len(lines)) {
				t.Fatalf("finding %v ends on line %d", fd, fd.EndLine)
			}
		}
		for _, fd := range Lint(file, env) {
			check(fd)
		}
		// Cluster rules on the file beside a second copy, as if two
		// components were checked together.
		other, _ := configs.Load(path, data, configs.Components[(int(pick)+1)%len(configs.Components)])
		for _, fd := range LintCluster([]*configs.File{file, other}) {
			check(fd)
		}
	})
}
