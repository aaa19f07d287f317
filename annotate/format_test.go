package annotate

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stepstone-dev/stepstone/internal/sample"
	"github.com/stepstone-dev/stepstone/report"
)

func TestEscapeText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain words", "plain words"},
		{"a|b", `a\|b`},
		{"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"@org/team and @user", "@&#8203;org/team and @&#8203;user"},
		{"[click](https://evil)", `\[click\](https://evil)`},
		{"two\nlines\r\nthree", "two<br>lines<br>three"},
		{"`code` *em* _em_ ~del~ $x$", "\\`code\\` \\*em\\* \\_em\\_ \\~del\\~ \\$x\\$"},
		{Marker, "&lt;\\!-- stepstone --&gt;"},
	}
	for _, tt := range tests {
		if got := escapeText(tt.in); got != tt.want {
			t.Errorf("escapeText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"storage.bucket", "`storage.bucket`"},
		{"a`b", "``a`b``"},
		{"`x`", "`` `x` ``"},
		{"a|b", "`a\\|b`"},
		{"new\nline", "`new line`"},
	}
	for _, tt := range tests {
		if got := code(tt.in); got != tt.want {
			t.Errorf("code(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// hostileMarkdownReport carries values that would break Markdown, ping
// people or fake the marker if written raw.
func hostileMarkdownReport() *report.Report {
	r := sample.Report()
	evil := "@everyone <img src=x> | [link](https://evil) `x` " + Marker + "\nsecond line"
	r.Components[0].Findings = append(r.Components[0].Findings, report.Finding{
		Rule: "rule|`x`", Severity: report.Error, Message: evil, Suggestion: evil, Key: evil,
		Pos: report.Position{File: sample.Workspace + "/deploy/we ird(1).toml", Line: 2, Col: 1},
	})
	r.Components[0].Probes = append(r.Components[0].Probes, report.ProbeResult{
		Name: "http " + evil, Status: report.Fail, Message: evil, Duration: 1,
		Metrics: []report.Metric{{Name: "m|x", Value: 1.5, Unit: "<b>ms</b>"}},
	})
	return r
}

// unescapedPipes counts the "|" that GFM treats as cell separators.
var unescapedPipe = regexp.MustCompile(`(^|[^\\])\|`)

func TestMarkdownInjection(t *testing.T) {
	for name, write := range map[string]func(*bytes.Buffer, *report.Report, Options) error{
		"summary": func(b *bytes.Buffer, r *report.Report, o Options) error { return WriteSummary(b, r, o) },
		"comment": func(b *bytes.Buffer, r *report.Report, o Options) error { return WriteMarkdown(b, r, o) },
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := write(&buf, hostileMarkdownReport(), sampleOptions()); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			for _, bad := range []string{"@everyone", "<img", "[link](", "<b>"} {
				if strings.Contains(out, bad) {
					t.Errorf("%s contains raw %q", name, bad)
				}
			}
			if n := strings.Count(out, Marker); name == "comment" && n != 1 || name == "summary" && n != 0 {
				t.Errorf("%s has the marker %d times", name, n)
			}
			if name == "comment" && !strings.HasSuffix(out, Marker+"\n") {
				t.Errorf("comment does not end with the marker")
			}
			// Every table row keeps its column count.
			var cols int
			for _, line := range strings.Split(out, "\n") {
				if !strings.HasPrefix(line, "|") {
					cols = 0
					continue
				}
				n := len(unescapedPipe.FindAllString(line, -1))
				if cols == 0 {
					cols = n
				} else if n != cols {
					t.Errorf("row has %d separators, header had %d: %s", n, cols, line)
				}
			}
			if !strings.Contains(out, "we%20ird%281%29.toml#L2>") && !strings.Contains(out, "we%20ird(1).toml#L2>") {
				t.Errorf("link to a path with a space and parentheses is not escaped:\n%s", out)
			}
		})
	}
}

// bigReport makes a report whose summary is several MiB.
func bigReport(findings int) *report.Report {
	r := &report.Report{Tool: "stepstone", FailOn: report.Error}
	c := report.ComponentReport{Component: "datanode", ConfigFile: sample.Workspace + "/datanode.toml"}
	long := strings.Repeat("ü", 400) // multi-byte, to catch cuts inside a rune
	for i := 0; i < findings; i++ {
		c.Findings = append(c.Findings, report.Finding{
			Rule: "r", Severity: report.Severity(i % 3), Message: fmt.Sprintf("finding %d %s", i, long),
			Pos: report.Position{File: c.ConfigFile, Line: i + 1, Col: 1},
		})
	}
	r.Components = []report.ComponentReport{c}
	return r
}

func TestSummaryLimit(t *testing.T) {
	r := bigReport(5000)
	var buf bytes.Buffer
	if err := WriteSummary(&buf, r, sampleOptions()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if len(out) > MaxSummaryBytes {
		t.Fatalf("summary is %d bytes, over %d", len(out), MaxSummaryBytes)
	}
	if !utf8.ValidString(out) {
		t.Error("summary was cut inside a character")
	}
	if !strings.Contains(out, "\n\n> [!WARNING]\n> The summary was cut here") {
		t.Errorf("no truncation note after a blank line:\n%s", out[len(out)-300:])
	}
	if !strings.HasPrefix(out, "## ❌ stepstone: FAIL") {
		t.Error("the verdict must survive truncation")
	}

	// A summary that fits is not touched.
	buf.Reset()
	if err := writeSummary(&buf, sample.Report(), sampleOptions(), MaxSummaryBytes); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "was cut") {
		t.Error("a small summary was cut")
	}

	// No room left in the step's summary: write nothing rather than junk.
	buf.Reset()
	if err := writeSummary(&buf, r, sampleOptions(), 10); err != nil || buf.Len() != 0 {
		t.Errorf("with 10 bytes of budget wrote %d bytes (%v)", buf.Len(), err)
	}
}

func TestCommentRowsAndSize(t *testing.T) {
	r := bigReport(500)
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, r, sampleOptions()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if n := strings.Count(out, "](<https://github.com/stepstone-dev/demo/blob/"); n != MaxCommentRows {
		t.Errorf("%d problem rows, want %d", n, MaxCommentRows)
	}
	if !strings.Contains(out, "*470 more results not shown; the [job summary](<https://github.com/stepstone-dev/demo/actions/runs/42>) has every result.*") {
		t.Errorf("no pointer to the summary:\n%s", out)
	}
	if len(out) > 65536 || !strings.HasSuffix(out, Marker+"\n") {
		t.Errorf("comment is %d bytes or lost its marker", len(out))
	}

	// Thousands of components overflow even the component table.
	r = bigReport(0)
	for i := 0; i < 3000; i++ {
		c := r.Components[0]
		c.Component = fmt.Sprintf("datanode-%d", i)
		r.Components = append(r.Components, c)
	}
	buf.Reset()
	if err := WriteMarkdown(&buf, r, sampleOptions()); err != nil {
		t.Fatal(err)
	}
	out = buf.String()
	if len(out) > 65536 || !strings.HasSuffix(out, Marker+"\n") || !strings.Contains(out, "cut here") {
		t.Errorf("oversized comment: %d bytes, ends %q", len(out), out[len(out)-100:])
	}
}

func TestFormatValue(t *testing.T) {
	tests := []struct {
		v    float64
		unit string
		want string
	}{
		{23.4, "ms", "23.4 ms"},
		{0.1 + 0.2, "s", "0.3 s"},
		{41.75, "MiB/s", "41.75 MiB/s"},
		{1200, "", "1200"},
		{3e12, "B", "3e+12 B"},
	}
	for _, tt := range tests {
		if got := formatValue(tt.v, tt.unit); got != tt.want {
			t.Errorf("formatValue(%v, %q) = %q, want %q", tt.v, tt.unit, got, tt.want)
		}
	}
}
