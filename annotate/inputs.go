package annotate

import (
	"errors"
	"fmt"
	"sort"
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
	ChangedOnly bool
	// FailOn is the fail-on input; FailOnGiven says it was set. An empty
	// input leaves the choice to .stepstone.toml's fail-on, else error,
	// so Args passes --fail-on only when it was given.
	FailOn             report.Severity
	FailOnGiven        bool
	IncludePerformance bool
	Timeout            time.Duration
	SARIFFile          string
	ReportJSON         string
	Comment            bool
	// Suggestions offers fixable findings as one review with suggestion
	// blocks on a pull request.
	Suggestions bool
	GitHubToken string
	EnvPrefix   string
	Baseline    string
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
	{"report-json", "report-json"},
	{"comment", "comment"},
	{"suggestions", "suggestions"},
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
	"fail-on":             "",
	"include-performance": "false",
	"timeout":             "10s",
	"sarif-file":          "stepstone.sarif",
	"report-json":         "stepstone-report.json",
	"comment":             "true",
	"suggestions":         "true",
	"env-prefix":          "",
	"baseline":            "",
	"greptimedb-version":  "",
	"github-token":        "",
}

// emptyMeansNone lists the inputs whose empty value is a choice ("write no
// SARIF file"), not a missing value to default.
var emptyMeansNone = map[string]bool{"sarif-file": true, "report-json": true, "env-prefix": true, "baseline": true, "github-token": true}

// InputError is one bad input value. Both ways of running the Action
// (action.yml, and the image used as docker://) meet it here, so each bad
// input is reported once, by name, as an ::error:: annotation.
type InputError struct {
	Input   string // the input's name, as in action.yml
	Problem string // what is wrong, e.g. `must be run or lint, not "bogus"`
}

func (e *InputError) Error() string { return fmt.Sprintf("input %q %s", e.Input, e.Problem) }

// InputErrors returns every *InputError in err (errors.Join keeps them).
func InputErrors(err error) []*InputError {
	var out []*InputError
	var walk func(error)
	walk = func(e error) {
		var ie *InputError
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
		} else if errors.As(e, &ie) {
			out = append(out, ie)
		}
	}
	if err != nil {
		walk(err)
	}
	return out
}

// LookupFromEnviron makes a lookup function from KEY=VALUE strings, as
// os.Environ returns them.
func LookupFromEnviron(environ []string) func(string) (string, bool) {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// UnknownInputs names the INPUT_* variables in environ that are no input
// of the Action (a typo under with:, such as fail_on). The runner warns
// about those for action.yml but says nothing for docker://.
func UnknownInputs(environ []string) []string {
	known := map[string]bool{}
	for name := range inputDefaults {
		known[inputVar(name)] = true
	}
	var out []string
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "INPUT_") && !known[k] {
			out = append(out, strings.ToLower(strings.TrimPrefix(k, "INPUT_")))
		}
	}
	sort.Strings(out)
	return out
}

func inputVar(name string) string {
	return "INPUT_" + strings.ToUpper(strings.ReplaceAll(name, " ", "_"))
}

// InputsFromEnv reads the action inputs the runner passes as INPUT_<NAME>
// variables (upper case, hyphens kept), applying action.yml's defaults to
// inputs that are not set at all (the image used as docker:// gets only the
// inputs under with:). A set but empty input takes its default too, except
// where empty means none (sarif-file, report-json, ...). GITHUB_EVENT_NAME
// resolves changed-only "auto". Every malformed value is reported, each as
// an *InputError joined into the error, for exit code 2.
func InputsFromEnv(lookup func(string) (string, bool)) (Inputs, error) {
	get := func(name string) string {
		v, set := lookup(inputVar(name))
		v = strings.TrimSpace(v)
		if !set || (v == "" && !emptyMeansNone[name]) {
			return inputDefaults[name]
		}
		return v
	}
	var in Inputs
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, &InputError{Input: name, Problem: fmt.Sprintf(format, args...)})
	}
	in.Paths = SplitPaths(get("paths"))
	if len(in.Paths) == 0 {
		in.Paths = []string{"."}
	}
	switch in.Command = get("command"); in.Command {
	case "run", "lint":
	default:
		bad("command", "must be run or lint, not %q", in.Command)
	}
	event, _ := lookup("GITHUB_EVENT_NAME")
	var err error
	if in.ChangedOnly, err = ParseChangedOnly(get("changed-only"), event); err != nil {
		bad("changed-only", "must be true, false or auto, not %q", get("changed-only"))
	}
	in.FailOn = report.Error
	if v := get("fail-on"); v != "" {
		in.FailOnGiven = true
		if in.FailOn, err = report.ParseSeverity(v); err != nil {
			bad("fail-on", "must be error, warning or info, not %q", v)
		}
	}
	for _, b := range []struct {
		name string
		dst  *bool
	}{{"include-performance", &in.IncludePerformance}, {"comment", &in.Comment}, {"suggestions", &in.Suggestions}} {
		if *b.dst, err = parseBool(b.name, get(b.name)); err != nil {
			bad(b.name, "must be true or false, not %q", get(b.name))
		}
	}
	if in.Timeout, err = time.ParseDuration(get("timeout")); err != nil || in.Timeout <= 0 {
		bad("timeout", "must be a positive duration such as 10s, not %q", get("timeout"))
	}
	in.SARIFFile = get("sarif-file")
	in.ReportJSON = get("report-json")
	in.GitHubToken = get("github-token")
	in.EnvPrefix = get("env-prefix")
	in.Baseline = get("baseline")
	in.GreptimeDBVersion = get("greptimedb-version")
	return in, errors.Join(errs...)
}

// Args renders in as the command line action.yml passes: the command,
// --output=github, the flags of InputFlags as --flag=value, "--" and the
// paths. --fail-on is left out when the input was not given, so that
// .stepstone.toml's fail-on applies, as it does for a local run. The CLI uses it when it runs under GITHUB_ACTIONS with no
// arguments, as when the image is used directly (uses: docker://...).
func (in Inputs) Args() []string {
	values := map[string]string{
		"fail-on":             in.FailOn.String(),
		"changed-only":        fmt.Sprint(in.ChangedOnly),
		"include-performance": fmt.Sprint(in.IncludePerformance),
		"timeout":             in.Timeout.String(),
		"sarif-file":          in.SARIFFile,
		"report-json":         in.ReportJSON,
		"comment":             fmt.Sprint(in.Comment),
		"suggestions":         fmt.Sprint(in.Suggestions),
		"env-prefix":          in.EnvPrefix,
		"baseline":            in.Baseline,
		"greptimedb-version":  in.GreptimeDBVersion,
	}
	args := []string{in.Command, "--output=github"}
	for _, f := range InputFlags {
		if f.Input == "fail-on" && !in.FailOnGiven {
			continue
		}
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
