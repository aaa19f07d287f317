package lint_test

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/lint"
	"github.com/stepstone-dev/stepstone/report"
)

// update rewrites the golden .out files from what the rules report now.
// Review every changed file by eye before committing it.
var update = flag.Bool("update", false, "rewrite the golden .out files in testdata")

// TestRulesGolden lints every testdata/rules/<component>--<case>.toml and
// compares the findings with <component>--<case>.out (see the README there).
func TestRulesGolden(t *testing.T) {
	cases, err := filepath.Glob(filepath.Join("testdata", "rules", "*.toml"))
	if err != nil || len(cases) == 0 {
		t.Fatalf("no rule cases in testdata/rules (err %v)", err)
	}
	for _, path := range cases {
		name := strings.TrimSuffix(filepath.Base(path), ".toml")
		t.Run(name, func(t *testing.T) {
			comp, _, ok := strings.Cut(name, "--")
			if !ok {
				t.Fatalf("case %q is not named <component>--<case>.toml", name)
			}
			c, err := configs.ParseComponent(comp)
			if err != nil {
				t.Fatalf("case %q: %v", name, err)
			}
			f := loadCase(t, path, c)
			got := render(lint.Lint(f, readEnv(t, strings.TrimSuffix(path, ".toml")+".env")))
			compareGolden(t, strings.TrimSuffix(path, ".toml")+".out", got)
			checkCaseName(t, name[len(comp)+2:], got)
		})
	}
}

// TestClusterGolden lints each directory under testdata/cluster as files
// checked together, per file and across files, against its expected.out.
func TestClusterGolden(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "cluster", "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no cluster cases in testdata/cluster (err %v)", err)
	}
	for _, dir := range dirs {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			continue
		}
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			paths, _ := filepath.Glob(filepath.Join(dir, "*.toml"))
			if len(paths) == 0 {
				t.Fatalf("cluster case %q has no toml files", name)
			}
			var files []*configs.File
			var all []report.Finding
			for _, p := range paths {
				base := filepath.Base(p)
				comp := base[:strings.IndexAny(base, "-.")]
				c, err := configs.ParseComponent(comp)
				if err != nil {
					t.Fatalf("%s: name cluster files <component>[-suffix].toml: %v", base, err)
				}
				f := loadCase(t, p, c)
				all = append(all, lint.Lint(f, readEnv(t, strings.TrimSuffix(p, ".toml")+".env"))...)
				files = append(files, f)
			}
			all = append(all, lint.LintCluster(files)...)
			got := render(report.SortFindings(all))
			compareGolden(t, filepath.Join(dir, "expected.out"), got)
			checkCaseName(t, name, got)
		})
	}
}

// TestRuleCoverage asserts that every rule has a golden case that fires it
// and one named <rule-id>-ok... that does not.
func TestRuleCoverage(t *testing.T) {
	outs := map[string]string{} // case name -> golden output
	ruleOuts, _ := filepath.Glob(filepath.Join("testdata", "rules", "*.out"))
	for _, p := range ruleOuts {
		name := strings.TrimSuffix(filepath.Base(p), ".out")
		_, name, _ = strings.Cut(name, "--")
		outs[name] += readFile(t, p)
	}
	clusterOuts, _ := filepath.Glob(filepath.Join("testdata", "cluster", "*", "expected.out"))
	for _, p := range clusterOuts {
		outs[filepath.Base(filepath.Dir(p))] += readFile(t, p)
	}
	for _, r := range lint.AllRules() {
		fired, quiet := false, false
		for name, out := range outs {
			if strings.Contains(out, "["+r.ID+"]") {
				fired = true
			}
			if id, ok := caseRule(name); id == r.ID && ok && !strings.Contains(out, "["+r.ID+"]") {
				quiet = true
			}
		}
		if !fired {
			t.Errorf("rule %s fires in no golden .out file: add a case that triggers it", r.ID)
		}
		if !quiet {
			t.Errorf("rule %s has no not-firing case: add <component>--%s-ok.toml (or testdata/cluster/%s-ok/)", r.ID, r.ID, r.ID)
		}
	}
}

// TestRuleMetadata checks what every rule must carry: a kebab-case ID that
// is unique, a summary and help.
func TestRuleMetadata(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range lint.AllRules() {
		if seen[r.ID] {
			t.Errorf("rule ID %s is used twice", r.ID)
		}
		seen[r.ID] = true
		if r.ID != strings.ToLower(r.ID) || strings.ContainsAny(r.ID, " _") {
			t.Errorf("rule ID %q is not kebab case", r.ID)
		}
		if r.Summary == "" || r.Help == "" {
			t.Errorf("rule %s needs a summary and help", r.ID)
		}
	}
}

// caseRule returns the rule a case is named after (the longest rule ID that
// is the name or a "<id>-" prefix of it) and whether it is a not-firing
// case (<id>-ok or <id>-ok-<variant>).
func caseRule(name string) (string, bool) {
	best := ""
	for _, r := range lint.AllRules() {
		if (name == r.ID || strings.HasPrefix(name, r.ID+"-")) && len(r.ID) > len(best) {
			best = r.ID
		}
	}
	if best == "" {
		return "", false
	}
	rest := name[len(best):]
	return best, rest == "-ok" || strings.HasPrefix(rest, "-ok-")
}

// checkCaseName enforces the naming contract: a case named after a rule
// fires it, and a case named <rule-id>-ok does not.
func checkCaseName(t *testing.T, name, got string) {
	t.Helper()
	id, ok := caseRule(name)
	if id == "" || *update {
		return
	}
	fired := strings.Contains(got, "["+id+"]")
	switch {
	case ok && fired:
		t.Errorf("case %s is a not-firing case but %s fired", name, id)
	case !ok && !fired:
		t.Errorf("case %s is named after %s but the rule did not fire", name, id)
	}
}

func loadCase(t *testing.T, path string, c configs.Component) *configs.File {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := configs.Load(filepath.Base(path), data, c)
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	applyCaseOptions(t, f, strings.TrimSuffix(path, ".toml")+".opts")
	configs.ApplyEnv(f, readEnv(t, strings.TrimSuffix(path, ".toml")+".env"), "")
	return f
}

// readEnv reads KEY=VALUE lines (blank lines and # comments skipped); a
// missing file is an empty environment.
func readEnv(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var env []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !strings.Contains(line, "=") {
			t.Fatalf("%s: %q is not KEY=VALUE", path, line)
		}
		env = append(env, line)
	}
	return env
}

func render(fs []report.Finding) string {
	var b strings.Builder
	for _, f := range report.SortFindings(fs) {
		fmt.Fprintln(&b, f.String())
		// A grouped finding's other places, one indented line each.
		for _, r := range f.Related {
			fmt.Fprintf(&b, "  related %s: %s\n", r.Position, r.Message)
		}
	}
	return b.String()
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// compareGolden compares got with the golden file, or rewrites it with -update.
func compareGolden(t *testing.T, golden, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("missing golden file %s (run go test ./lint/ -run %s -update, then review it): %v", golden, t.Name(), err)
	}
	if string(want) != got {
		t.Errorf("findings differ from %s\n--- want\n%s--- got\n%s%s", golden, want, got, diffLines(string(want), got))
	}
}

// diffLines lists the lines only one side has, to make a failure readable.
func diffLines(want, got string) string {
	count := func(s string) map[string]int {
		m := map[string]int{}
		for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
			if l != "" {
				m[l]++
			}
		}
		return m
	}
	w, g := count(want), count(got)
	var out []string
	for l, n := range w {
		if g[l] < n {
			out = append(out, "- "+l)
		}
	}
	for l, n := range g {
		if w[l] < n {
			out = append(out, "+ "+l)
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		return ""
	}
	return "--- diff\n" + strings.Join(out, "\n") + "\n"
}
