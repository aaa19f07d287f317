package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/stepstone-dev/stepstone/internal/textsafe"
)

// safe makes text from configs, file names and servers safe for a terminal
// or a CI log: control, bidi and format characters become escapes.
var safe = textsafe.Line

// TextOptions tune the human report.
type TextOptions struct {
	// Color turns on ANSI colours; the CLI sets it only on a terminal and
	// when NO_COLOR is unset.
	Color bool
	// Verbose adds every effective config value and its origin.
	Verbose bool
	// Source, when set, shows under each finding the line it stands on with
	// a caret under the key or value; the CLI sets it only on a terminal,
	// and not with --no-snippet.
	Source SourceLine
}

const (
	ansiReset  = "\x1b[0m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiGreen  = "\x1b[32m"
	ansiDim    = "\x1b[2m"
	ansiBold   = "\x1b[1m"
)

// WriteText writes the human report: per component a header, one line per
// check with its mark, duration, message and suggestion, then the static
// findings as file:line:col: message [rule], then totals and the verdict.
func WriteText(w io.Writer, r *Report, opts TextOptions) error {
	tw := &textWriter{w: w, color: opts.Color, source: opts.Source}
	for i := range r.Components {
		c := &r.Components[i]
		tw.header(r, c)
		tw.static(c.Findings)
		for _, p := range c.Probes {
			tw.probe(p)
		}
		for _, f := range c.Findings {
			tw.finding(f)
		}
		if opts.Verbose && c.Values.Len() > 0 {
			tw.line("  effective values:")
			for i := range c.Values.Len() {
				v := c.Values.At(i)
				tw.line("    %s = %s  %s", safe(v.Key), safe(v.Value), tw.paint(ansiDim, "("+safe(v.Origin)+")"))
			}
		}
		tw.line("")
	}
	if len(r.ClusterFindings) > 0 {
		tw.line("%s", tw.paint(ansiBold, "cluster"))
		for _, f := range r.ClusterFindings {
			tw.finding(f)
		}
		tw.line("")
	}
	n := r.Count()
	tw.line("%d config(s), %d check(s): %d passed, %d failed, %d warning(s), %d skipped; findings: %d error(s), %d warning(s), %d info",
		len(r.Components), n.Passed+n.Failed+n.Warned+n.Skipped, n.Passed, n.Failed, n.Warned, n.Skipped, n.Errors, n.Warnings, n.Infos)
	if r.Interrupted {
		tw.line("%s", tw.paint(ansiYellow, "interrupted: the report is partial"))
	}
	v := r.Verdict()
	tw.line("Result: %s", tw.paint(statusColor(v), string(v)))
	return tw.err
}

type textWriter struct {
	w      io.Writer
	color  bool
	source SourceLine
	err    error
}

func (t *textWriter) line(format string, args ...any) {
	if t.err != nil {
		return
	}
	_, t.err = fmt.Fprintf(t.w, format+"\n", args...)
}

func (t *textWriter) paint(code, s string) string {
	if !t.color {
		return s
	}
	return code + s + ansiReset
}

func (t *textWriter) header(r *Report, c *ComponentReport) {
	ts := c.Timestamp
	if ts.IsZero() {
		ts = r.Started
	}
	t.line("%s %s  %s  %s", t.paint(ansiBold, safe(c.Component)), t.paint(ansiBold, safe(c.ConfigFile)),
		ts.UTC().Format(time.RFC3339), t.paint(statusColor(c.Verdict(r.FailOn)), string(c.Verdict(r.FailOn))))
	if v := c.GreptimeDB; v != nil {
		t.line("  judged as GreptimeDB %s (%s)", v.Version, v.Source)
		if v.Note != "" {
			t.line("  %s", t.paint(ansiYellow, v.Note))
		}
	}
}

// static prints one line summing up the static findings of a component.
func (t *textWriter) static(fs []Finding) {
	var e, w, i int
	for _, f := range fs {
		switch f.Severity {
		case Error:
			e++
		case Warning:
			w++
		default:
			i++
		}
	}
	switch {
	case e > 0:
		t.line("  %s static checks: %d error(s), %d warning(s)", t.mark(Fail), e, w)
	case w > 0:
		t.line("  %s static checks: %d warning(s)", t.mark(Warn), w)
	case i > 0:
		t.line("  %s static checks: no errors or warnings, %d note(s)", t.mark(Pass), i)
	default:
		t.line("  %s static checks: no findings", t.mark(Pass))
	}
}

func (t *textWriter) mark(s Status) string {
	switch s {
	case Pass:
		return t.paint(ansiGreen, "✓")
	case Fail:
		return t.paint(ansiRed, "✗")
	case Warn:
		return t.paint(ansiYellow, "⚠")
	}
	return t.paint(ansiDim, "-")
}

func (t *textWriter) probe(p ProbeResult) {
	msg := p.Message
	if p.Status == Skip && msg != "" {
		msg = "skipped: " + msg
	}
	t.line("  %s %-40s %8s  %s", t.mark(p.Status), safe(p.Name), FormatDuration(p.Duration), safe(msg))
	if p.Suggestion != "" && p.Status != Pass && p.Status != Skip {
		where := ""
		if p.Pos.Line > 0 {
			where = "  (" + safe(p.Pos.String()) + ")"
		}
		t.line("      → %s%s", safe(p.Suggestion), t.paint(ansiDim, where))
	}
	// Benchmark numbers read better as a table than one per line.
	rows, rest := BenchRows(p.Metrics)
	for _, m := range rest {
		t.line("      %s: %s", safe(m.Name), safe(formatMetric(m)))
	}
	for _, l := range BenchTableLines(rows) {
		t.line("      %s", safe(l))
	}
}

func (t *textWriter) finding(f Finding) {
	color := ansiDim
	switch f.Severity {
	case Error:
		color = ansiRed
	case Warning:
		color = ansiYellow
	}
	t.line("  %s: %s %s", safe(f.Pos.String()), t.paint(color, f.Severity.String()+":")+" "+safe(f.Message), t.paint(ansiDim, "["+safe(f.Rule)+"]"))
	for i, l := range snippet(t.source, f.Range()) {
		if i == 1 {
			// The caret line takes the finding's colour.
			bar := strings.Index(l, "| ") + 2
			l = t.paint(ansiDim, l[:bar]) + t.paint(color, l[bar:])
		} else {
			bar := strings.Index(l, "| ") + 2
			l = t.paint(ansiDim, l[:bar]) + l[bar:]
		}
		t.line("    %s", l)
	}
	if len(f.Related) > 0 {
		t.line("      %s", t.paint(ansiDim, safe(RelatedSummary(f))))
	}
	if f.Suggestion != "" {
		t.line("      → %s", safe(f.Suggestion))
	}
}

// MaxRelatedShown is how many related places the human report names
// under a grouped finding; JSON and SARIF carry all of them.
const MaxRelatedShown = 5

// RelatedSummary says where else a grouped finding stands, in one short
// line: "and 2 more files: a.toml:3:1, b.toml" (at most MaxRelatedShown
// named, then "…").
func RelatedSummary(f Finding) string {
	files := map[string]bool{f.Pos.File: true}
	distinct := true
	for _, r := range f.Related {
		if files[r.File] {
			distinct = false
		}
		files[r.File] = true
	}
	what := "places"
	if distinct {
		what = "files"
		if len(f.Related) == 1 {
			what = "file"
		}
	} else if len(f.Related) == 1 {
		what = "place"
	}
	names := make([]string, 0, MaxRelatedShown+1)
	for i, r := range f.Related {
		if i == MaxRelatedShown {
			names = append(names, "…")
			break
		}
		names = append(names, r.Position.String())
	}
	return fmt.Sprintf("and %d more %s: %s", len(f.Related), what, strings.Join(names, ", "))
}

func statusColor(s Status) string {
	switch s {
	case Pass:
		return ansiGreen
	case Fail:
		return ansiRed
	case Warn:
		return ansiYellow
	}
	return ansiDim
}

// FormatDuration renders a duration for tables: 850µs, 12ms, 1.4s.
func FormatDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}

func formatMetric(m Metric) string {
	v := fmt.Sprintf("%.2f", m.Value)
	v = strings.TrimSuffix(strings.TrimRight(v, "0"), ".")
	if m.Unit == "" {
		return v
	}
	return v + " " + m.Unit
}
