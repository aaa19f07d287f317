package main

import (
	"path/filepath"
	"sort"

	"github.com/stepstone-dev/stepstone/checks"
	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

// lintClusters runs the cross-file rules once per directory: the configs of
// one cluster live together, and a repository often holds several clusters
// (staging/, prod/) that must not be compared with each other. Configs read
// from stdin count as one group.
func lintClusters(files []*configs.File) []report.Finding {
	groups := map[string][]*configs.File{}
	for _, f := range files {
		dir := filepath.Dir(f.Path)
		groups[dir] = append(groups[dir], f)
	}
	dirs := make([]string, 0, len(groups))
	for d := range groups {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	var out []report.Finding
	for _, d := range dirs {
		if len(groups[d]) > 1 {
			out = append(out, checks.LintCluster(groups[d])...)
		}
	}
	return out
}
