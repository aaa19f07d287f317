package main

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/urfave/cli/v2"
)

func versionCommand(env *environment) *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the version",
		Action: func(c *cli.Context) error {
			_, err := fmt.Fprintf(env.stdout, "stepstone %s (%s, %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}

// stampedVersion is the version to report: the one stamped at build time
// (-ldflags "-X main.version=v1.2.3", as the release images and archives
// are built), else, inside a GitHub Action built from its Dockerfile
// (where the runner passes no build args), the ref the workflow named in
// `uses: stepstone-dev/stepstone@REF`, which the runner gives as
// GITHUB_ACTION_REF. A ref that is not a plain tag or branch name (or a
// commit) is not trusted into reports.
func stampedVersion(stamped string, getenv func(string) string) string {
	if stamped != "dev" && stamped != "" {
		return stamped
	}
	ref := getenv("GITHUB_ACTION_REF")
	if getenv("GITHUB_ACTIONS") != "true" || ref == "" || len(ref) > 64 {
		return stamped
	}
	for _, r := range ref {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-/+", r)) {
			return stamped
		}
	}
	return ref
}
