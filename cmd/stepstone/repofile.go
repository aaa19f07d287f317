package main

import (
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
	"github.com/stepstone-dev/stepstone/suppress"
)

// repoFile returns the .stepstone.toml that governs the run: the one found
// as the suppressions find it, walking up from the first path argument
// (-c FILE for a component command, -f FILE for cluster; the current
// directory when there is none, or it is not on disk). A missing or unreadable file gives nil: the
// run itself reports an unreadable one.
func repoFile(c *cli.Context) *suppress.Repo {
	start := "."
	first := c.Args().First()
	if c.IsSet("config") {
		first = c.String("config")
	} else if fs := c.StringSlice("filename"); len(fs) > 0 {
		first = fs[0] // cluster -f FILE
	}
	if first != "" {
		if st, err := os.Stat(first); err == nil {
			start = first
			if !st.IsDir() {
				start = filepath.Dir(first)
			}
		}
	}
	p, err := suppress.Find(start)
	if err != nil || p == "" {
		return nil
	}
	r, err := suppress.LoadRepo(p)
	if err != nil {
		return nil
	}
	return r
}

// applyRepoFile fills in what .stepstone.toml sets and no flag (or
// STEPSTONE_* variable, or Action input) gives: fail-on, placeholders
// and greptimedb-version. The order is always flag > file > default. The
// plugin's commands take no greptimedb-version from the file: there a
// component's image tag names the release it runs, which is closer to
// the truth than a repository default.
func applyRepoFile(c *cli.Context, o *options) error {
	r := repoFile(c)
	if r == nil {
		return nil
	}
	var err error
	if r.FailOn != "" && !c.IsSet("fail-on") {
		if o.failOn, err = report.ParseSeverity(r.FailOn); err != nil {
			return usageErrorf("fail-on in %q: %v", r.Path, err)
		}
	}
	if len(r.Placeholders) > 0 && !c.IsSet("placeholder") {
		if err := configs.CheckPlaceholderPatterns(r.Placeholders); err != nil {
			return usageErrorf("placeholders in %q: %v", r.Path, err)
		}
		o.placeholders = r.Placeholders
	}
	plugin := c.Command != nil && (c.Command.Name == "cluster" || c.Command.Name == "clusters" || c.String("cluster") != "")
	if r.GreptimeDBVersion != "" && o.greptimedb == nil && !plugin {
		v, err := configs.ParseVersion(r.GreptimeDBVersion, "greptimedb-version in "+suppress.FileName)
		if err != nil {
			return usageErrorf("greptimedb-version in %q: %v", r.Path, err)
		}
		o.greptimedb = v
	}
	return nil
}
