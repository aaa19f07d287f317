package annotate

import (
	"fmt"
	"strings"
	"time"

	"github.com/stepstone-dev/stepstone/report"
)

// Inputs are the action's inputs (see action.yml), parsed and checked.
type Inputs struct {
	// Paths are the configs or folders to check; "." by default.
	Paths []string
	// Command is "run" (static rules and live probes) or "lint" (static
	// rules only).
	Command string
	// ChangedOnly limits the report to configs the pull request changes;
	// "auto" has already been resolved against the event.
	ChangedOnly        bool
	FailOn             report.Severity
	IncludePerformance bool
	Timeout            time.Duration
	SARIFFile          string
	Comment            bool
	GitHubToken        string
	EnvPrefix          string
	Baseline           string
	// GreptimeDBVersion is the release configs are judged by; "" for the
	// newest stable one.
	GreptimeDBVersion string
}

// InputFlags maps each action input that becomes a flag onto that flag,
// in the order action.yml passes them. command and paths are positional,
// and github-token stays in the environment so that it never shows in the
// logged docker command line.
var InputFlags = []struct{ Input, Flag string }{
	{"fail-on", "fail-on"},
	{"changed-only", "changed-only"},
	{"include-performance", "include-performance"},
	{"timeout", "timeout"},
	{"sarif-file", "sarif-file"},
	{"comment", "comment"},
	{"env-prefix", "env-prefix"},
	{"baseline", "baseline"},
	{"greptimedb-version", "greptimedb-version"},
}

// inputDefaults mirror action.yml. The runner fills defaults in for an
// action, but not for an image used directly (uses: docker://...), where
// only the inputs given under with: arrive.
var inputDefaults = map[string]string{
	"paths":               ".",
	"command":             "run",
	"changed-only":        "auto",
	"fail-on":             "error",
	"include-performance": "false",
	"timeout":             "10s",
	"sarif-file":          "stepstone.sarif",
	"comment":             "true",
}

// InputsFromEnv reads the action inputs the runner passes as INPUT_<NAME>
// variables (upper case, hyphens kept), applying action.yml's defaults.
// GITHUB_EVENT_NAME resolves changed-only "auto". A malformed value is an
// error naming the input, for exit code 2.
func InputsFromEnv(getenv func(string) string) (Inputs, error) {
	get := func(name string) string {
		v := strings.TrimSpace(getenv("INPUT_" + strings.ToUpper(strings.ReplaceAll(name, " ", "_"))))
		if v == "" {
			return inputDefaults[name]
		}
		return v
	}
	var in Inputs
	var err error
	in.Paths = SplitPaths(get("paths"))
	if len(in.Paths) == 0 {
		in.Paths = []string{"."}
	}
	switch in.Command = get("command"); in.Command {
	case "run", "lint":
	default:
		return in, fmt.Errorf("input %q must be run or lint, not %q", "command", in.Command)
	}
	if in.ChangedOnly, err = ParseChangedOnly(get("changed-only"), getenv("GITHUB_EVENT_NAME")); err != nil {
		return in, err
	}
	if in.FailOn, err = report.ParseSeverity(get("fail-on")); err != nil {
		return in, fmt.Errorf("input %q: %w", "fail-on", err)
	}
	if in.IncludePerformance, err = parseBool("include-performance", get("include-performance")); err != nil {
		return in, err
	}
	if in.Timeout, err = time.ParseDuration(get("timeout")); err != nil || in.Timeout <= 0 {
		return in, fmt.Errorf("input %q must be a positive duration such as 10s, not %q", "timeout", get("timeout"))
	}
	in.SARIFFile = get("sarif-file")
	if in.Comment, err = parseBool("comment", get("comment")); err != nil {
		return in, err
	}
	in.GitHubToken = get("github-token")
	in.EnvPrefix = get("env-prefix")
	in.Baseline = get("baseline")
	in.GreptimeDBVersion = get("greptimedb-version")
	return in, nil
}

// Args renders in as the command line action.yml passes: the command,
// --output=github, the flags of InputFlags as --flag=value, "--" and the
// paths. The CLI uses it when it runs under GITHUB_ACTIONS with no
// arguments, as when the image is used directly (uses: docker://...).
func (in Inputs) Args() []string {
	values := map[string]string{
		"fail-on":             in.FailOn.String(),
		"changed-only":        fmt.Sprint(in.ChangedOnly),
		"include-performance": fmt.Sprint(in.IncludePerformance),
		"timeout":             in.Timeout.String(),
		"sarif-file":          in.SARIFFile,
		"comment":             fmt.Sprint(in.Comment),
		"env-prefix":          in.EnvPrefix,
		"baseline":            in.Baseline,
		"greptimedb-version":  in.GreptimeDBVersion,
	}
	args := []string{in.Command, "--output=github"}
	for _, f := range InputFlags {
		args = append(args, "--"+f.Flag+"="+values[f.Input])
	}
	return append(append(args, "--"), in.Paths...)
}

// SplitPaths splits the paths input: one path per line, blank lines and
// surrounding spaces ignored. Paths are not split at spaces, so a path may
// contain one.
func SplitPaths(s string) []string {
	var out []string
	for _, line := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// ParseChangedOnly reads the changed-only input: "true", "false", or
// "auto", which is true on pull_request and pull_request_target events.
func ParseChangedOnly(s, eventName string) (bool, error) {
	if strings.EqualFold(strings.TrimSpace(s), "auto") {
		return eventName == "pull_request" || eventName == "pull_request_target", nil
	}
	return parseBool("changed-only", s)
}

// parseBool accepts the spellings @actions/core's getBooleanInput does,
// the YAML 1.2 core schema booleans.
func parseBool(name, s string) (bool, error) {
	switch strings.TrimSpace(s) {
	case "true", "True", "TRUE":
		return true, nil
	case "false", "False", "FALSE":
		return false, nil
	}
	return false, fmt.Errorf("input %q must be true or false, not %q", name, s)
}
