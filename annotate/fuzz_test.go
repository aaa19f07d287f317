package annotate

// Fuzz targets for the GitHub outputs, which carry config values and server
// errors into places where one stray character could start a workflow
// command of its own or break the PR comment. Run one with
//
//	go test -run '^$' -fuzz '^FuzzCommand$' -fuzztime 60s ./annotate/
//
// or all of them with scripts/fuzz.sh.

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stepstone-dev/stepstone/internal/sample"
	"github.com/stepstone-dev/stepstone/report"
)

// fuzzNasty are strings that have broken escapers elsewhere.
var fuzzNasty = []string{
	"", "plain", "%", "%25", "%0A", "a\nb", "a\r\nb", "\r", "::error::pwned", "a:b,c=d", "x%3Ay%2Cz",
	"\n::add-mask::x", "<!-- stepstone -->", "`code`", "| a | b |", `\|`, "@team", "<script>", "é\u2028\u0085",
	"\x00", "\xff\xfe", "[link](http://x)", "#1", "~~", "$x$",
}

// checkOneCommand fails unless line is exactly one workflow command line:
// it starts with "::", holds no CR or LF, and the runner reads it back as
// a command.
func checkOneCommand(t *testing.T, line string) command {
	t.Helper()
	if !strings.HasPrefix(line, "::") {
		t.Fatalf("command does not start with \"::\": %q", line)
	}
	if strings.ContainsAny(line, "\r\n") {
		t.Fatalf("command spans more than one line: %q", line)
	}
	c, ok := parseCommand(line)
	if !ok {
		t.Fatalf("the runner would not read %q as a command", line)
	}
	return c
}

func FuzzCommand(f *testing.F) {
	for i, s := range fuzzNasty {
		f.Add(int8(i%3), s, "rule-"+s, "", s, s+"\n"+s, "deploy/"+s+".toml", s+".toml", i, i%4)
		f.Add(int8(2), "", "", "probe "+s, "msg "+s, "", "", "/outside/"+s, i, 0)
	}
	f.Fuzz(func(t *testing.T, sev int8, rule, key, probe, message, suggestion, path, file string, line, col int) {
		p := Problem{
			Severity: report.Severity(sev), Rule: rule, Probe: probe, Key: key,
			Message: message, Suggestion: suggestion, Path: path, File: file,
			Line: line, Col: col, EndLine: line + col%3, EndCol: col * 2,
		}
		c := checkOneCommand(t, p.Command())
		if want := p.Severity.GitHubCommand(); c.name != want {
			t.Fatalf("command %q, want %q", c.name, want)
		}
		// Unescaping gives back exactly what went in.
		want := message
		if probe != "" {
			want = probe + ": " + want
		}
		if path == "" && file != "" {
			want = report.Position{File: file, Line: line, Col: col}.String() + ": " + want
		}
		if suggestion != "" {
			want += "\n" + suggestion
		}
		if c.data != want {
			t.Fatalf("message reads back as %q, want %q", c.data, want)
		}
		if got := c.props["title"]; got != p.title() {
			t.Fatalf("title reads back as %q, want %q", got, p.title())
		}
		if path != "" && c.props["file"] != path {
			t.Fatalf("file reads back as %q, want %q", c.props["file"], path)
		}
		for k := range c.props {
			switch k {
			case "file", "line", "col", "endLine", "endColumn", "title":
			default:
				t.Fatalf("unexpected property %q in %q (a value leaked into the property list)", k, p.Command())
			}
		}
	})
}

func FuzzNotice(f *testing.F) {
	for _, s := range fuzzNasty {
		f.Add(s, s+"\n"+s)
	}
	f.Fuzz(func(t *testing.T, msg, secret string) {
		out := Notice(msg)
		if !strings.HasSuffix(out, "\n") || strings.Count(out, "\n") != 1 {
			t.Fatalf("Notice(%q) = %q is not one line", msg, out)
		}
		c := checkOneCommand(t, strings.TrimSuffix(out, "\n"))
		if c.name != "notice" || c.data != msg || c.props["title"] != "stepstone" {
			t.Fatalf("Notice(%q) reads back as %+v", msg, c)
		}

		// Masks: one command per line, and every non-blank line of a
		// secret is masked on its own.
		var buf bytes.Buffer
		if err := WriteMasks(&buf, []string{secret, msg}); err != nil {
			t.Fatal(err)
		}
		masked := map[string]bool{}
		for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
			if line == "" {
				continue
			}
			c := checkOneCommand(t, line)
			if c.name != "add-mask" {
				t.Fatalf("mask line %q is a %q command", line, c.name)
			}
			masked[c.data] = true
		}
		for _, s := range []string{secret, msg} {
			if strings.TrimSpace(s) == "" {
				continue
			}
			if !masked[s] {
				t.Fatalf("secret %q is not masked; masks: %q", s, buf.String())
			}
			for _, l := range strings.FieldsFunc(s, func(r rune) bool { return r == '\r' || r == '\n' }) {
				if strings.TrimSpace(l) != "" && !masked[l] {
					t.Fatalf("line %q of secret %q is not masked", l, s)
				}
			}
		}
	})
}

// fuzzReport builds a report whose every free-text field comes from the
// fuzzer.
func fuzzReport(component, path, rule, key, msg, suggestion, probe, class, metric string, value float64, line, col int, interrupted bool) *report.Report {
	r := sample.Report()
	r.Command = component
	r.Interrupted = interrupted
	pos := report.Position{File: path, Line: line, Col: col}
	r.Components = append(r.Components, report.ComponentReport{
		Component: component, ConfigFile: path, Timestamp: time.Unix(0, 0),
		Findings: []report.Finding{
			{Rule: rule, Severity: report.Error, Message: msg, Suggestion: suggestion, Key: key, Pos: pos, EndLine: line, EndCol: col + 3},
			{Rule: rule, Severity: report.Warning, Message: suggestion, Key: key, Pos: report.Position{File: path}},
		},
		Probes: []report.ProbeResult{
			{Name: probe, Status: report.Fail, Class: class, Message: msg, Suggestion: suggestion, Key: key, Pos: pos,
				Metrics: []report.Metric{{Name: metric, Value: value, Unit: suggestion}}},
			{Name: probe, Status: report.Warn, Message: msg},
		},
	})
	r.ClusterFindings = append(r.ClusterFindings, report.Finding{Rule: rule, Severity: report.Info, Message: msg, Pos: pos})
	return r
}

// tableCells counts the cells of a GFM table row the way cmark-gfm splits
// it: a "|" right after a backslash stays in the cell (its scanner's
// table_cell takes the longest run of escaped characters and non-pipes, so
// `\\|` is a backslash pair followed by an escaped pipe), any other "|"
// separates. See ext_scanners.re and row_from_string in cmark-gfm.
func tableCells(row string) int {
	n := 0
	for i := 0; i < len(row); i++ {
		if row[i] == '|' && (i == 0 || row[i-1] != '\\') {
			n++
		}
	}
	return n - 1
}

func FuzzWriteMarkdown(f *testing.F) {
	for i, s := range fuzzNasty {
		f.Add("datanode", "deploy/"+s+".toml", "rule-"+s, "storage."+s, "message "+s, s, "probe "+s, s, s, float64(i), i, i, i%2 == 0)
	}
	f.Add("x", "<!-- stepstone -->", "<!-- stepstone -->", "", "<!-- stepstone -->", "", "", "", "", 0.0, 1, 1, true)
	f.Fuzz(func(t *testing.T, component, path, rule, key, msg, suggestion, probe, class, metric string, value float64, line, col int, interrupted bool) {
		r := fuzzReport(component, path, rule, key, msg, suggestion, probe, class, metric, value, line, col, interrupted)
		opts := sampleOptions()
		var buf bytes.Buffer
		if err := WriteMarkdown(&buf, r, opts); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if !strings.HasSuffix(out, Marker+"\n") {
			t.Fatalf("the comment does not end with the marker:\n%s", out)
		}
		if n := strings.Count(out, Marker); n != 1 {
			t.Fatalf("the marker appears %d times in the comment:\n%s", n, out)
		}
		if len(out) > 65536 {
			t.Fatalf("the comment is %d bytes, over GitHub's limit", len(out))
		}
		if interrupted && !strings.Contains(out, "interrupted") {
			t.Fatalf("an interrupted run is not marked as such:\n%s", out)
		}
		// No value may add or remove a table cell.
		cells := -1
		for _, l := range strings.Split(out, "\n") {
			if !strings.HasPrefix(l, "|") {
				cells = -1
				continue
			}
			n := tableCells(l)
			if cells == -1 {
				cells = n
			} else if n != cells {
				t.Fatalf("table row has %d cells, the header %d: %q", n, cells, l)
			}
		}
	})
}
