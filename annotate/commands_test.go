package annotate

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stepstone-dev/stepstone/internal/sample"
	"github.com/stepstone-dev/stepstone/report"
)

// command is a workflow command as the GitHub runner reads it.
type command struct {
	name  string
	props map[string]string
	data  string
}

// parseCommand reads one log line the way the runner does
// (actions/runner src/Runner.Common/ActionCommand.cs, TryParseV2): leading
// whitespace is skipped, the line must start with "::", the first "::"
// after that ends the command name and properties, properties are split at
// "," and then at the first "=", and values are unescaped in the runner's
// order, %25 last.
func parseCommand(line string) (command, bool) {
	line = strings.TrimLeft(line, " \t")
	if !strings.HasPrefix(line, "::") {
		return command{}, false
	}
	end := strings.Index(line[2:], "::")
	if end < 0 {
		return command{}, false
	}
	info, data := line[2:2+end], line[2+end+2:]
	c := command{props: map[string]string{}, data: unescapeData(data)}
	name, props, hasProps := strings.Cut(info, " ")
	c.name = name
	if hasProps {
		for _, p := range strings.Split(props, ",") {
			k, v, ok := strings.Cut(p, "=")
			if !ok {
				continue
			}
			c.props[k] = unescapeProperty(v)
		}
	}
	return c, true
}

func unescapeData(s string) string {
	for _, m := range [][2]string{{"%0D", "\r"}, {"%0A", "\n"}, {"%25", "%"}} {
		s = strings.ReplaceAll(s, m[0], m[1])
	}
	return s
}

func unescapeProperty(s string) string {
	for _, m := range [][2]string{{"%0D", "\r"}, {"%0A", "\n"}, {"%3A", ":"}, {"%2C", ","}, {"%25", "%"}} {
		s = strings.ReplaceAll(s, m[0], m[1])
	}
	return s
}

// hostile holds the values that would inject a command if left unescaped.
var hostile = []string{
	"plain",
	"new\nline",
	"carriage\rreturn",
	"crlf\r\n::error::injected",
	"::warning file=x.toml::injected",
	"100% of %0A and %25 and %3A",
	"a, b: c",
	"key=value,other=thing",
	"ends with %",
	"::add-mask::",
	"\n::stop-commands::token\n",
	"unicode ✓ \u2028 line separator",
}

func TestCommandInjection(t *testing.T) {
	for i, v := range hostile {
		t.Run(fmt.Sprintf("%d", i), func(t *testing.T) {
			p := Problem{
				Severity: report.Error, Rule: "rule," + v, Message: v, Suggestion: v,
				File: sample.Workspace + "/" + v + ".toml", Path: v + ".toml", Line: 3, Col: 2,
			}
			line := p.Command()
			if strings.ContainsAny(line, "\r\n") {
				t.Fatalf("command spans lines: %q", line)
			}
			c, ok := parseCommand(line)
			if !ok || c.name != "error" {
				t.Fatalf("runner would not read %q as an error command", line)
			}
			if want := v + "\n" + v; c.data != want {
				t.Errorf("message round trip: got %q, want %q", c.data, want)
			}
			if want := v + ".toml"; c.props["file"] != want {
				t.Errorf("file round trip: got %q, want %q", c.props["file"], want)
			}
			if want := "stepstone rule," + v; c.props["title"] != want {
				t.Errorf("title round trip: got %q, want %q", c.props["title"], want)
			}
			if c.props["line"] != "3" || c.props["col"] != "2" {
				t.Errorf("position lost: %v", c.props)
			}
		})
	}
}

func TestWriteCommandsOneLineEach(t *testing.T) {
	r := sample.Report()
	for _, v := range hostile {
		r.Components[0].Findings = append(r.Components[0].Findings, report.Finding{
			Rule: "x", Severity: report.Warning, Message: v, Key: v,
			Pos: report.Position{File: r.Components[0].ConfigFile, Line: 1},
		})
	}
	var buf bytes.Buffer
	n, _, err := WriteCommands(&buf, r, sampleOptions())
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != n {
		t.Fatalf("%d annotations took %d lines", n, len(lines))
	}
	for _, l := range lines {
		c, ok := parseCommand(l)
		if !ok {
			t.Errorf("line is not a command: %q", l)
			continue
		}
		switch c.name {
		case "error", "warning", "notice":
		default:
			t.Errorf("unexpected command %q in %q", c.name, l)
		}
	}
}

func TestMasks(t *testing.T) {
	var buf bytes.Buffer
	secrets := []string{"hunter2", "", "  ", "hunter2", "100%\nsecond line\r\nthird", "a::b,c"}
	if err := WriteMasks(&buf, secrets); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		c, ok := parseCommand(l)
		if !ok || c.name != "add-mask" {
			t.Fatalf("not an add-mask command: %q", l)
		}
		got = append(got, c.data)
	}
	want := []string{"hunter2", "100%\nsecond line\r\nthird", "100%", "second line", "third", "a::b,c"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("masked %q, want %q", got, want)
	}
}

// manyProblems builds a report with the given number of findings per
// severity, on distinct lines.
func manyProblems(errs, warns, infos int) *report.Report {
	r := &report.Report{Tool: "stepstone", FailOn: report.Error}
	c := report.ComponentReport{Component: "datanode", ConfigFile: sample.Workspace + "/datanode.toml"}
	line := 1
	for _, n := range []struct {
		sev   report.Severity
		count int
	}{{report.Info, infos}, {report.Warning, warns}, {report.Error, errs}} {
		for i := 0; i < n.count; i++ {
			c.Findings = append(c.Findings, report.Finding{
				Rule: "r-" + n.sev.String(), Severity: n.sev, Message: fmt.Sprintf("%s number %d", n.sev, i),
				Pos: report.Position{File: c.ConfigFile, Line: line, Col: 1},
			})
			line++
		}
	}
	r.Components = []report.ComponentReport{c}
	return r
}

func TestAnnotationCaps(t *testing.T) {
	r := manyProblems(15, 12, 3)
	var buf bytes.Buffer
	n, om, err := WriteCommands(&buf, r, Options{Workspace: sample.Workspace})
	if err != nil {
		t.Fatal(err)
	}
	if n != 23 || om != (Omitted{Errors: 5, Warnings: 2}) {
		t.Errorf("printed %d, omitted %+v; want 23 and 5 errors, 2 warnings", n, om)
	}
	if n+om.Total() > MaxAnnotationsPerJob && n > MaxAnnotationsPerJob {
		t.Errorf("printed more than the job limit")
	}
	// Errors come first, so that the limit never hides one behind a notice.
	var names []string
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		c, _ := parseCommand(l)
		names = append(names, c.name)
	}
	want := strings.Repeat("error ", 10) + strings.Repeat("warning ", 10) + strings.Repeat("notice ", 3)
	if got := strings.Join(names, " ") + " "; got != want {
		t.Errorf("order:\n got %s\nwant %s", got, want)
	}

	var sum bytes.Buffer
	if err := WriteSummary(&sum, r, Options{Workspace: sample.Workspace}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sum.String(), "so 5 errors and 2 warnings got no annotation") {
		t.Errorf("summary does not say what was left out:\n%s", sum.String())
	}
	if strings.Count(sum.String(), "| ❌ error |") != 15 {
		t.Errorf("summary must still list every error")
	}
}

func TestAnnotationPlacement(t *testing.T) {
	tests := []struct {
		name string
		p    Problem
		want string
	}{
		{"whole file", Problem{Severity: report.Info, Rule: "r", Message: "m", File: "/w/a.toml", Path: "a.toml"},
			"::notice file=a.toml,title=stepstone r::m"},
		{"line only", Problem{Severity: report.Warning, Rule: "r", Message: "m", File: "/w/a.toml", Path: "a.toml", Line: 4},
			"::warning file=a.toml,line=4,title=stepstone r::m"},
		{"span", Problem{Severity: report.Error, Rule: "r", Message: "m", File: "/w/a.toml", Path: "a.toml", Line: 4, Col: 2, EndLine: 4, EndCol: 9},
			"::error col=2,endColumn=9,endLine=4,file=a.toml,line=4,title=stepstone r::m"},
		{"multi-line span drops columns", Problem{Severity: report.Error, Rule: "r", Message: "m", File: "/w/a.toml", Path: "a.toml", Line: 4, Col: 2, EndLine: 6, EndCol: 9},
			"::error col=2,endLine=6,file=a.toml,line=4,title=stepstone r::m"},
		{"outside the workspace", Problem{Severity: report.Error, Rule: "r", Message: "m", File: "/etc/a.toml", Line: 4, Col: 2},
			"::error title=stepstone r::/etc/a.toml:4:2: m"},
		{"probe", Problem{Severity: report.Error, Probe: "etcd e:2379", Message: "refused", File: "/w/a.toml", Path: "a.toml", Line: 2, Col: 1},
			"::error col=1,file=a.toml,line=2,title=stepstone live check::etcd e:2379: refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Command(); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestProblemsUseConfigForUnplacedProbes(t *testing.T) {
	r := sample.Report()
	r.Components[1].Probes = append(r.Components[1].Probes, report.ProbeResult{Name: "gcs", Status: report.Fail, Message: "m"})
	ps := Problems(r, sample.Workspace)
	var found bool
	for _, p := range ps {
		if p.Probe == "gcs" {
			found = true
			if p.Path != "deploy/datanode.toml" || p.Line != 0 {
				t.Errorf("probe without a position should point at its config, got %q line %d", p.Path, p.Line)
			}
		}
	}
	if !found {
		t.Error("failed probe missing from problems")
	}
}
