package main

import (
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/kube"
	"github.com/stepstone-dev/stepstone/report"
)

// versionFlags choose how configs are judged: which GreptimeDB release,
// which edition, and which values are template placeholders.
func versionFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "greptimedb-version", EnvVars: envVar("greptimedb-version"),
			Usage: "judge configs as GreptimeDB `VERSION` reads them: main, a release (v1.1.4, 1.2.0-beta.2) or a line (1.1); default the newest stable release"},
		&cli.StringFlag{Name: "edition", Value: "oss", EnvVars: envVar("edition"),
			Usage: "GreptimeDB edition: oss or enterprise (enterprise accepts the values only enterprise builds read)"},
		&cli.StringSliceFlag{Name: "placeholder", EnvVars: envVar("placeholder"),
			Usage: "treat values matching `REGEX` as template placeholders (not checked), besides __X__, {a.b}, ${VAR} and {{ ... }}; repeatable"},
	}
}

// versionOptions are what versionFlags parse to.
type versionOptions struct {
	version      *configs.Version
	enterprise   bool
	placeholders []string
}

// parseVersionOptions reads versionFlags. The version's source names the
// flag or the variable it came from, for the report header.
func parseVersionOptions(c *cli.Context, env *environment) (versionOptions, error) {
	var vo versionOptions
	asked := strings.TrimSpace(c.String("greptimedb-version"))
	source := "--greptimedb-version"
	if ev := strings.TrimSpace(env.getenv("STEPSTONE_GREPTIMEDB_VERSION")); ev != "" && ev == asked {
		source = "STEPSTONE_GREPTIMEDB_VERSION"
	}
	if env.getenv("GITHUB_ACTIONS") == "true" && env.getenv("INPUT_GREPTIMEDB_VERSION") != "" {
		source = "the greptimedb-version input"
	}
	if asked == "" {
		vo.version = configs.DefaultVersion()
	} else {
		v, err := configs.ParseVersion(asked, source)
		if err != nil {
			return vo, usageErrorf("--greptimedb-version: %v", err)
		}
		vo.version = v
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

// applyVersion gives every file that has no release of its own (the plugin
// reads one from the image tag) the chosen release and edition.
func (vo versionOptions) apply(files []*configs.File) {
	for _, f := range files {
		if f.Version == nil {
			f.Version = vo.version
		}
		f.Enterprise = f.Enterprise || vo.enterprise
		f.Placeholders = append(f.Placeholders, vo.placeholders...)
	}
}

// kubeVersions passes the options to the plugin: an explicit version
// overrides the image tags, the default does not.
func (vo versionOptions) kubeVersions() kube.VersionOptions {
	kv := kube.VersionOptions{Enterprise: vo.enterprise, Placeholders: vo.placeholders}
	if vo.version != nil && vo.version.Asked != "" {
		kv.Version = vo.version
	}
	return kv
}

// versionInfo is the report's record of the release f was judged by.
func versionInfo(f *configs.File) *report.GreptimeDBVersion {
	v := f.Version
	if v == nil {
		v = configs.DefaultVersion()
	}
	return &report.GreptimeDBVersion{Version: v.String(), Source: v.Source, Note: v.Note}
}
