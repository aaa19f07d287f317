package lint_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/lint"
	"github.com/stepstone-dev/stepstone/report"
)

// TestClusterKeysSuffice holds the cluster rules to lint.ClusterKeys:
// a run over many files keeps only those keys of each file once it is
// linted (configs.File.Retain), so a rule reading anything else would
// quietly see it unset. Every group of files is linted across files twice,
// whole and retained, and the findings must be the same: the cluster
// golden cases, testdata/retain (clusters that set every key of the
// list), the upstream examples, and every per-rule case of a
// component that takes part in a cluster, as one group, so that each
// rule meets the oddest values the test data has (deprecated top-level
// addresses, env overrides, several region engines, placeholders).
func TestClusterKeysSuffice(t *testing.T) {
	var groups [][]string
	dirs, _ := filepath.Glob(filepath.Join("testdata", "cluster", "*"))
	retain, _ := filepath.Glob(filepath.Join("testdata", "retain", "*"))
	for _, dir := range append(dirs, retain...) {
		if paths, _ := filepath.Glob(filepath.Join(dir, "*.toml")); len(paths) > 0 {
			groups = append(groups, paths)
		}
	}
	upstream, _ := filepath.Glob(filepath.Join("..", "..", "shared", "greptime-configs", "upstream", "*.example.toml"))
	if len(upstream) < 4 {
		t.Fatalf("the upstream examples must be at ../shared/greptime-configs/upstream beside the repository (found %d)", len(upstream))
	}
	groups = append(groups, upstream)
	rules, _ := filepath.Glob(filepath.Join("testdata", "rules", "*.toml"))
	groups = append(groups, rules)
	compared := 0
	for _, paths := range groups {
		whole, retained := loadGroup(t, paths), loadGroup(t, paths)
		for _, f := range retained {
			f.Retain(configs.NewKeySet(lint.ClusterKeys), false)
		}
		want := render(report.SortFindings(lint.LintCluster(whole)))
		got := render(report.SortFindings(lint.LintCluster(retained)))
		if got != want {
			t.Errorf("%s: cluster findings differ once files keep only lint.ClusterKeys (a cluster rule reads another table: add it to lint.ClusterKeys)\nwhole:\n%s\nretained:\n%s", filepath.Dir(paths[0]), want, got)
		}
		compared += strings.Count(want, "\n")
	}
	if compared < 20 {
		t.Fatalf("only %d cluster findings compared: the groups no longer exercise the cluster rules", compared)
	}
}

// loadGroup loads paths as one cluster, each with its case options and
// environment; files of a component no cluster has are left out.
func loadGroup(t *testing.T, paths []string) []*configs.File {
	t.Helper()
	var out []*configs.File
	for _, p := range paths {
		base := filepath.Base(p)
		comp, err := configs.ParseComponent(base[:strings.IndexAny(base, "-.")])
		if err != nil || comp == configs.Standalone {
			continue
		}
		if _, err := os.Stat(p); err != nil {
			t.Fatal(err)
		}
		out = append(out, loadCase(t, p, comp))
	}
	return out
}
