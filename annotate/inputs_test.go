package annotate

import (
	"bufio"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stepstone-dev/stepstone/report"
)

func envFunc(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestInputsFromEnv(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		in, err := InputsFromEnv(envFunc(nil))
		if err != nil {
			t.Fatal(err)
		}
		want := Inputs{Paths: []string{"."}, Command: "run", FailOn: report.Error, Timeout: 10 * time.Second,
			SARIFFile: "stepstone.sarif", ReportJSON: "stepstone-report.json", Comment: true, Suggestions: true}
		if !inputsEqual(in, want) {
			t.Errorf("got %+v\nwant %+v", in, want)
		}
	})
	t.Run("all set", func(t *testing.T) {
		in, err := InputsFromEnv(envFunc(map[string]string{
			"INPUT_PATHS":               "deploy/metasrv.toml\n  deploy/my datanode.toml  \n\n",
			"INPUT_COMMAND":             "lint",
			"INPUT_CHANGED-ONLY":        "auto",
			"INPUT_FAIL-ON":             "warning",
			"INPUT_INCLUDE-PERFORMANCE": "TRUE",
			"INPUT_TIMEOUT":             "1m30s",
			"INPUT_SARIF-FILE":          "out/x.sarif",
			"INPUT_REPORT-JSON":         "",
			"INPUT_COMMENT":             "false",
			"INPUT_SUGGESTIONS":         "False",
			"INPUT_GITHUB-TOKEN":        "ghs_x",
			"INPUT_ENV-PREFIX":          "GT",
			"INPUT_BASELINE":            "base.json",
			"INPUT_GREPTIMEDB-VERSION":  "1.1",
			"GITHUB_EVENT_NAME":         "pull_request",
		}))
		if err != nil {
			t.Fatal(err)
		}
		want := Inputs{Paths: []string{"deploy/metasrv.toml", "deploy/my datanode.toml"}, Command: "lint",
			ChangedOnly: true, FailOn: report.Warning, FailOnGiven: true, IncludePerformance: true, Timeout: 90 * time.Second,
			SARIFFile: "out/x.sarif", GitHubToken: "ghs_x", EnvPrefix: "GT", Baseline: "base.json", GreptimeDBVersion: "1.1"}
		if !inputsEqual(in, want) {
			t.Errorf("got %+v\nwant %+v", in, want)
		}
		args := in.Args()
		wantArgs := []string{"lint", "--output=github", "--fail-on=warning", "--changed-only=true",
			"--include-performance=true", "--timeout=1m30s", "--sarif-file=out/x.sarif", "--report-json=", "--comment=false",
			"--suggestions=false", "--env-prefix=GT", "--baseline=base.json", "--greptimedb-version=1.1", "--", "deploy/metasrv.toml", "deploy/my datanode.toml"}
		if !slices.Equal(args, wantArgs) {
			t.Errorf("Args() = %q\nwant %q", args, wantArgs)
		}
		for _, a := range args {
			if strings.Contains(a, "ghs_x") {
				t.Errorf("the token must not be on the command line: %q", a)
			}
		}
	})
	bad := []struct{ name, value, want string }{
		{"COMMAND", "deploy", `input "command" must be run or lint`},
		{"COMMAND", "bogus", `input "command" must be run or lint, not "bogus"`},
		{"CHANGED-ONLY", "yes", `input "changed-only" must be true, false or auto`},
		{"COMMENT", "1", `input "comment" must be true or false, not "1"`},
		{"FAIL-ON", "fatal", `input "fail-on"`},
		{"INCLUDE-PERFORMANCE", "1", `input "include-performance" must be true or false`},
		{"TIMEOUT", "10", `input "timeout" must be a positive duration`},
		{"TIMEOUT", "-1s", `input "timeout" must be a positive duration`},
		{"COMMENT", "on", `input "comment" must be true or false`},
		{"SUGGESTIONS", "no", `input "suggestions" must be true or false, not "no"`},
	}
	for _, tt := range bad {
		t.Run("bad "+tt.name+"="+tt.value, func(t *testing.T) {
			_, err := InputsFromEnv(envFunc(map[string]string{"INPUT_" + tt.name: tt.value}))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
			ie := InputErrors(err)
			if len(ie) != 1 || ie[0].Input != strings.ToLower(tt.name) {
				t.Errorf("InputErrors = %v, want one naming %q", ie, strings.ToLower(tt.name))
			}
		})
	}
	t.Run("every bad input is reported", func(t *testing.T) {
		_, err := InputsFromEnv(envFunc(map[string]string{"INPUT_COMMAND": "bogus", "INPUT_COMMENT": "1", "INPUT_TIMEOUT": "x"}))
		var names []string
		for _, ie := range InputErrors(err) {
			names = append(names, ie.Input)
		}
		if !slices.Equal(names, []string{"command", "comment", "timeout"}) {
			t.Errorf("InputErrors names %v, want command, comment, timeout", names)
		}
	})
	t.Run("set but empty", func(t *testing.T) {
		// As the runner passes an input given as '' under with: the
		// files are turned off, the rest take their defaults.
		in, err := InputsFromEnv(envFunc(map[string]string{"INPUT_SARIF-FILE": "", "INPUT_REPORT-JSON": "", "INPUT_COMMAND": "", "INPUT_TIMEOUT": " "}))
		if err != nil || in.SARIFFile != "" || in.ReportJSON != "" || in.Command != "run" || in.Timeout != 10*time.Second {
			t.Errorf("got %+v, %v", in, err)
		}
	})
}

func TestUnknownInputs(t *testing.T) {
	got := UnknownInputs([]string{"INPUT_FAIL-ON=x", "INPUT_FAIL_ON=warning", "INPUT_PATHS=.", "PATH=/bin", "INPUT_REPORT-JSON=", "INPUT_SARIF=x"})
	if !slices.Equal(got, []string{"fail_on", "sarif"}) {
		t.Errorf("UnknownInputs = %q", got)
	}
	if c := InputErrorCommand(&InputError{Input: "command", Problem: "must be run or lint, not \"x\n::error::y\""}); strings.Count(c, "\n") != 1 || !strings.HasPrefix(c, "::error title=stepstone input command::") {
		t.Errorf("InputErrorCommand = %q", c)
	}
}

func inputsEqual(a, b Inputs) bool {
	return slices.Equal(a.Paths, b.Paths) && a.Command == b.Command && a.ChangedOnly == b.ChangedOnly &&
		a.FailOn == b.FailOn && a.FailOnGiven == b.FailOnGiven && a.IncludePerformance == b.IncludePerformance && a.Timeout == b.Timeout &&
		a.SARIFFile == b.SARIFFile && a.ReportJSON == b.ReportJSON && a.Comment == b.Comment && a.Suggestions == b.Suggestions && a.GitHubToken == b.GitHubToken &&
		a.EnvPrefix == b.EnvPrefix && a.Baseline == b.Baseline && a.GreptimeDBVersion == b.GreptimeDBVersion
}

func TestParseChangedOnly(t *testing.T) {
	tests := []struct {
		value, event string
		want         bool
	}{
		{"auto", "pull_request", true},
		{"auto", "pull_request_target", true},
		{"auto", "push", false},
		{"AUTO", "", false},
		{"true", "push", true},
		{"false", "pull_request", false},
	}
	for _, tt := range tests {
		got, err := ParseChangedOnly(tt.value, tt.event)
		if err != nil || got != tt.want {
			t.Errorf("ParseChangedOnly(%q, %q) = %v, %v; want %v", tt.value, tt.event, got, err, tt.want)
		}
	}
}

// actionYAML is what the test needs from action.yml. The file is read
// line by line; it is small and its layout is fixed.
type actionYAML struct {
	inputs   map[string]string // name -> default
	order    []string
	outputs  []string
	args     []string
	branding bool
}

func readActionYAML(t *testing.T) actionYAML {
	t.Helper()
	f, err := os.Open("../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a := actionYAML{inputs: map[string]string{}}
	section, current := "", ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		switch {
		case indent == 0:
			section = strings.TrimSuffix(trimmed, ":")
			a.branding = a.branding || section == "branding"
		case section == "inputs" && indent == 2:
			current = strings.TrimSuffix(trimmed, ":")
			a.inputs[current] = ""
			a.order = append(a.order, current)
		case section == "inputs" && indent == 4 && strings.HasPrefix(trimmed, "default:"):
			v := strings.TrimSpace(strings.TrimPrefix(trimmed, "default:"))
			a.inputs[current] = strings.Trim(v, `"`)
		case section == "outputs" && indent == 2:
			a.outputs = append(a.outputs, strings.TrimSuffix(trimmed, ":"))
		case section == "runs" && indent == 4 && strings.HasPrefix(trimmed, "- "):
			a.args = append(a.args, strings.TrimPrefix(trimmed, "- "))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return a
}

// TestActionYAML keeps action.yml, InputFlags, InputsFromEnv's defaults,
// Args, the outputs Run writes and docs/action.md in step.
func TestActionYAML(t *testing.T) {
	a := readActionYAML(t)
	if !a.branding {
		t.Error("action.yml has no branding")
	}

	// Every input is a flag, positional, or the token.
	flagged := map[string]bool{"command": true, "paths": true, "github-token": true}
	for _, f := range InputFlags {
		flagged[f.Input] = true
		if _, ok := a.inputs[f.Input]; !ok {
			t.Errorf("InputFlags names %q, which action.yml does not declare", f.Input)
		}
	}
	for _, name := range a.order {
		if !flagged[name] {
			t.Errorf("input %q reaches no flag", name)
		}
		want, ok := inputDefaults[name]
		if name == "github-token" {
			want, ok = "${{ github.token }}", true
		}
		if got := a.inputs[name]; (ok || got != "") && got != want {
			t.Errorf("input %q: action.yml default %q, InputsFromEnv default %q", name, got, want)
		}
	}

	// action.yml passes no args: the binary reads every input from its
	// INPUT_* variable, as it does for the image used as docker://, so
	// both ways share one validation (InputsFromEnv).
	if len(a.args) != 0 {
		t.Errorf("action.yml passes args %q; it must pass none", a.args)
	}
	in, err := InputsFromEnv(envFunc(nil))
	if err != nil {
		t.Fatal(err)
	}
	args := strings.Join(in.Args(), " ")
	for _, f := range InputFlags {
		if f.Input == "fail-on" {
			// Not given: .stepstone.toml's fail-on decides (TestFailOnPrecedence).
			if strings.Contains(args, "--fail-on") {
				t.Errorf("Args() passes --fail-on though the input was not given: %s", args)
			}
			continue
		}
		if !strings.Contains(args, "--"+f.Flag+"=") {
			t.Errorf("Args() does not pass input %q as --%s", f.Input, f.Flag)
		}
	}

	// The outputs action.yml declares are the ones Run writes.
	var written []string
	for _, o := range outputs(&report.Report{}, Options{}) {
		written = append(written, o.name)
	}
	if !slices.Equal(a.outputs, written) {
		t.Errorf("action.yml outputs %v, Run writes %v", a.outputs, written)
	}

	// docs/action.md documents every input and output.
	doc, err := os.ReadFile("../docs/action.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range append(slices.Clone(a.order), a.outputs...) {
		if !strings.Contains(string(doc), "`"+name+"`") {
			t.Errorf("docs/action.md does not mention `%s`", name)
		}
	}
}
