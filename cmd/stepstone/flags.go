package main

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/stepstone-dev/stepstone/annotate"
	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
	pipeline "github.com/stepstone-dev/stepstone/run"
)

// Every flag has a STEPSTONE_* environment variable, so CI can set them
// without rewriting command lines.
func envVar(name string) []string {
	return []string{"STEPSTONE_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))}
}

// reportFlags are shared by every checking command.
func reportFlags() []cli.Flag {
	return append([]cli.Flag{
		&cli.StringSliceFlag{Name: "output", Aliases: []string{"o"}, EnvVars: envVar("output"),
			Usage: "output `FORMAT[=PATH]`, repeatable: human, json, sarif, github, markdown, prometheus (default human to stdout)"},
		&cli.StringFlag{Name: "fail-on", Value: "error", EnvVars: envVar("fail-on"),
			Usage: "lowest finding severity that fails the run: error, warning or info"},
		&cli.StringFlag{Name: "env-prefix", EnvVars: envVar("env-prefix"),
			Usage: "read overrides from `PREFIX`__KEY__SUB instead of GREPTIMEDB_<COMPONENT>"},
		&cli.BoolFlag{Name: "no-env", EnvVars: envVar("no-env"),
			Usage: "ignore GREPTIMEDB_* environment overrides"},
		&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, EnvVars: envVar("verbose"),
			Usage: "show every effective config value and where it came from"},
		&cli.StringFlag{Name: "max-input-bytes", Value: "256MiB", EnvVars: envVar("max-input-bytes"),
			Usage: "cap on the `SIZE` of all config files of one run together (bytes, or with KiB, MiB, GiB); more is exit 2"},
		&cli.BoolFlag{Name: "no-color", EnvVars: append(envVar("no-color"), "NO_COLOR"),
			Usage: "never colour the human report (colour is used only on a terminal)"},
		&cli.BoolFlag{Name: "no-snippet", EnvVars: envVar("no-snippet"),
			Usage: "do not show the offending line under each finding (shown only on a terminal)"},
	}, versionFlags()...)
}

// liveFlags are shared by the commands that run live checks. lint takes
// them too, hidden and ignored, because the Action passes the same flags
// whatever its command input says.
func liveFlags(hidden bool) []cli.Flag {
	return append([]cli.Flag{
		&cli.DurationFlag{Name: "timeout", Value: 10 * time.Second, EnvVars: envVar("timeout"), Hidden: hidden,
			Usage: "time limit for each live check"},
		&cli.DurationFlag{Name: "deadline", Value: 2 * time.Minute, EnvVars: envVar("deadline"), Hidden: hidden,
			Usage: "time limit for all live checks together"},
		&cli.BoolFlag{Name: "static-only", EnvVars: envVar("static-only"), Hidden: hidden,
			Usage: "skip live checks; they are reported as SKIP"},
		&cli.BoolFlag{Name: "read-only", EnvVars: envVar("read-only"), Hidden: hidden,
			Usage: "live checks write nothing: connectivity, auth, stat and listing only"},
		&cli.BoolFlag{Name: "on-host", EnvVars: envVar("on-host"), Hidden: hidden,
			Usage: "checks run where the component will run: also test that its listen addresses are free"},
		&cli.BoolFlag{Name: "include-performance", EnvVars: envVar("include-performance"), Hidden: hidden,
			Usage: "also benchmark object storage and the metadata store"},
		&cli.StringFlag{Name: "baseline", EnvVars: envVar("baseline"), Hidden: hidden,
			Usage: "compare benchmark numbers with an earlier JSON `REPORT` (-o json); a missing file only skips the comparison"},
		&cli.StringFlag{Name: "perf-config", EnvVars: envVar("perf-config"), Hidden: hidden,
			Usage: "benchmark sizes, workers, durations, budgets and thresholds from a TOML `FILE` (docs/performance.md)"},
	}, runningFlags(hidden)...)
}

// githubFlags matter when stepstone runs as the GitHub Action (-o github);
// action.yml maps its inputs onto them one-to-one.
func githubFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "sarif-file", EnvVars: envVar("sarif-file"),
			Usage: "also write SARIF to `PATH` (the Action's sarif-file input; empty for none)"},
		&cli.StringFlag{Name: "report-json", EnvVars: envVar("report-json"),
			Usage: "also write the JSON report to `PATH` (the Action's report-json input; empty for none)"},
		&cli.BoolFlag{Name: "comment", Value: true, EnvVars: envVar("comment"),
			Usage: "with -o github on a pull request: create or update the stepstone PR comment"},
		&cli.BoolFlag{Name: "suggestions", Value: true, EnvVars: envVar("suggestions"),
			Usage: "with -o github on a pull request: offer each fix stepstone fix can make as a review suggestion"},
		&cli.StringFlag{Name: "changed-only", Value: "auto", EnvVars: envVar("changed-only"),
			Usage: "with -o github: report only the configs the pull request changes (auto, true or false; auto is true on pull_request)"},
	}
}

// options are the parsed flags of a checking command.
type options struct {
	outputs   []outputSpec
	failOn    report.Severity
	envPrefix string
	noEnv     bool
	verbose   bool
	color     bool
	snippet   bool
	// files are the loaded configs, set before the outputs are written:
	// the human report's snippets show their lines.
	files     []*configs.File
	live      bool
	timeout   time.Duration
	deadline  time.Duration
	readOnly  bool
	onHost    bool
	component configs.Component
	// maxInput caps the bytes of all config files of the run together.
	maxInput   int64
	staticOnly bool
	perf       bool
	baseline   string
	sarifFile  string
	reportJSON string
	comment    bool
	// suggestions posts the fixes as a pull request review (--suggestions).
	suggestions bool
	changed     string
	// perfOpts are the benchmark options when perf is set: the defaults,
	// or --perf-config over them, with the --baseline report; perfNotes
	// are said on stderr before the run.
	perfOpts  *pipeline.PerfOptions
	perfNotes []string
	running   runningOptions
	// versionOptions: --greptimedb-version, --edition, --placeholder.
	versionOptions
}

func parseOptions(c *cli.Context, env *environment, live bool) (*options, error) {
	o := &options{
		envPrefix: c.String("env-prefix"),
		noEnv:     c.Bool("no-env"),
		verbose:   c.Bool("verbose"),
		color:     env.isTTY && !c.Bool("no-color") && env.getenv("NO_COLOR") == "",
		snippet:   env.isTTY && !c.Bool("no-snippet"),
		live:      live,
	}
	var err error
	if o.failOn, err = report.ParseSeverity(c.String("fail-on")); err != nil {
		return nil, usageErrorf("--fail-on: %v", err)
	}
	if o.maxInput, err = parseSize(c.String("max-input-bytes")); err != nil {
		return nil, usageErrorf("--max-input-bytes: %v", err)
	}
	if o.outputs, err = parseOutputs(c.StringSlice("output")); err != nil {
		return nil, err
	}
	if o.versionOptions, err = parseVersionOptions(c, env); err != nil {
		return nil, err
	}
	// .stepstone.toml's fail-on, placeholders and greptimedb-version, where
	// no flag gives them.
	if err := applyRepoFile(c, o); err != nil {
		return nil, err
	}
	o.sarifFile, o.comment, o.changed = c.String("sarif-file"), c.Bool("comment"), c.String("changed-only")
	o.suggestions = c.Bool("suggestions")
	if o.sarifFile != "" {
		o.outputs = append(o.outputs, outputSpec{format: "sarif", path: o.sarifFile})
	}
	if o.reportJSON = c.String("report-json"); o.reportJSON != "" {
		o.outputs = append(o.outputs, outputSpec{format: "json", path: o.reportJSON})
	}
	if live {
		o.perf, o.baseline = c.Bool("include-performance"), c.String("baseline")
		o.timeout, o.deadline = c.Duration("timeout"), c.Duration("deadline")
		if o.timeout <= 0 || o.deadline <= 0 {
			return nil, usageErrorf("--timeout and --deadline must be positive")
		}
		o.staticOnly, o.readOnly, o.onHost = c.Bool("static-only"), c.Bool("read-only"), c.Bool("on-host")
		o.running = parseRunningOptions(c)
		if err := parsePerfOptions(o, c.String("perf-config")); err != nil {
			return nil, err
		}
	}
	if c.IsSet("component") {
		comp, err := configs.ParseComponent(c.String("component"))
		if err != nil {
			return nil, usageErrorf("--component: %v", err)
		}
		o.component = comp
	}
	return o, nil
}

// parsePerfOptions reads --perf-config and --baseline when
// --include-performance is given. Without it they are ignored with a note
// on stderr: the Action passes its baseline input whether or not a run
// measures. A baseline file that does not exist yet (the first run of a
// workflow that keeps the last report as an artifact) only skips the
// comparison.
func parsePerfOptions(o *options, perfConfig string) error {
	if !o.perf {
		for _, f := range []struct{ flag, value string }{{"--perf-config", perfConfig}, {"--baseline", o.baseline}} {
			if f.value != "" {
				o.perfNotes = append(o.perfNotes, f.flag+" is ignored without --include-performance")
			}
		}
		return nil
	}
	o.perfOpts = pipeline.DefaultPerfOptions()
	if perfConfig != "" {
		p, err := pipeline.LoadPerfConfig(perfConfig)
		if err != nil {
			return &exitError{code: exitUsage, err: fmt.Errorf("--perf-config: %w", err)}
		}
		o.perfOpts = p
	}
	if o.baseline != "" {
		bl, err := pipeline.LoadBaseline(o.baseline)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			o.perfNotes = append(o.perfNotes, fmt.Sprintf("no baseline at %s yet, so nothing is compared", o.baseline))
		case err != nil:
			return &exitError{code: exitUsage, err: fmt.Errorf("--baseline: %w", err)}
		default:
			o.perfOpts.Baseline = bl
		}
	}
	return nil
}

// splitPaths refuses flags written after paths (urfave/cli stops parsing
// flags at the first argument, and a path named "-o" is never meant) and
// splits arguments that hold one path per line, as the Action's paths
// input arrives.
func splitPaths(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") && a != "-" {
			return nil, usageErrorf("flag %q after a path: write flags before the paths", a)
		}
		if strings.ContainsAny(a, "\n\r") {
			out = append(out, annotate.SplitPaths(a)...)
			continue
		}
		out = append(out, a)
	}
	return out, nil
}

func componentFlag() cli.Flag {
	return &cli.StringFlag{Name: "component", EnvVars: envVar("component"),
		Usage: fmt.Sprintf("treat every named file as this component (%s)", "metasrv, frontend, datanode, flownode, standalone")}
}

// parseSize reads a byte count: digits, optionally followed by KiB, MiB or
// GiB. An empty value means the default.
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return pipeline.DefaultMaxInputBytes, nil
	}
	mult := int64(1)
	for suffix, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if strings.HasSuffix(s, suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, suffix)), m
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("want a positive size such as 268435456 or 256MiB")
	}
	return n * mult, nil
}
