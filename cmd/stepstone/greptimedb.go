package main

import (
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/stepstone-dev/stepstone/configs"
)

// versionFlags choose how configs are judged: which GreptimeDB release,
// which edition, and which values are template placeholders.
func versionFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "greptimedb-version", EnvVars: envVar("greptimedb-version"),
			Usage: "judge configs as GreptimeDB `VERSION` reads them: main, a release (v1.1.4, 1.2.0-beta.2) or a line (1.1); default the newest stable release (the plugin: each component's image tag)"},
		&cli.StringFlag{Name: "edition", Value: "oss", EnvVars: envVar("edition"),
			Usage: "GreptimeDB edition: oss or enterprise (enterprise accepts the values only enterprise builds read)"},
		&cli.StringSliceFlag{Name: "placeholder", EnvVars: envVar("placeholder"),
			Usage: "treat values matching `REGEX` as template placeholders (not checked), besides __X__, {a.b}, ${VAR} and {{ ... }}; repeatable"},
	}
}

// versionOptions are what versionFlags parse to; runOptions hands them to
// run.Options.
type versionOptions struct {
	// greptimedb is the release asked for, nil when none was: run.Run
	// then judges by the newest stable release (the plugin: by the
	// image tag).
	greptimedb   *configs.Version
	enterprise   bool
	placeholders []string
}

// parseVersionOptions reads versionFlags. The version's source names the
// flag, the variable or the Action input it came from, for the report.
func parseVersionOptions(c *cli.Context, env *environment) (versionOptions, error) {
	var vo versionOptions
	if asked := strings.TrimSpace(c.String("greptimedb-version")); asked != "" {
		source := "--greptimedb-version"
		switch {
		case env.getenv("GITHUB_ACTIONS") == "true" && strings.TrimSpace(env.getenv("INPUT_GREPTIMEDB-VERSION")) == asked:
			source = "the greptimedb-version input"
		case strings.TrimSpace(env.getenv("STEPSTONE_GREPTIMEDB_VERSION")) == asked:
			source = "STEPSTONE_GREPTIMEDB_VERSION"
		}
		v, err := configs.ParseVersion(asked, source)
		if err != nil {
			return vo, usageErrorf("--greptimedb-version: %v", err)
		}
		vo.greptimedb = v
	}
	switch strings.ToLower(strings.TrimSpace(c.String("edition"))) {
	case "", "oss", "open-source", "opensource", "community":
	case "enterprise", "ee":
		vo.enterprise = true
	default:
		return vo, usageErrorf("--edition must be oss or enterprise, not %q", c.String("edition"))
	}
	vo.placeholders = c.StringSlice("placeholder")
	if err := configs.CheckPlaceholderPatterns(vo.placeholders); err != nil {
		return vo, usageErrorf("--placeholder: %v", err)
	}
	return vo, nil
}
