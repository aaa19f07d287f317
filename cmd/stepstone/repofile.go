package main

import (
	"os"
	"path/filepath"

	"github.com/stepstone-dev/stepstone/suppress"
)

// repoFailOn returns the fail-on setting of the .stepstone.toml that
// governs the first path argument (the current directory when there is
// none, or it is not on disk), found as the suppressions find it, and that
// file's path. A missing or unreadable file gives "": the run itself
// reports an unreadable one.
func repoFailOn(args []string) (value, path string) {
	start := "."
	if len(args) > 0 {
		if st, err := os.Stat(args[0]); err == nil {
			start = args[0]
			if !st.IsDir() {
				start = filepath.Dir(args[0])
			}
		}
	}
	p, err := suppress.Find(start)
	if err != nil || p == "" {
		return "", ""
	}
	r, err := suppress.LoadRepo(p)
	if err != nil {
		return "", ""
	}
	return r.FailOn, p
}
