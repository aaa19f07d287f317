package annotate

// Markdown helpers shared by the step summary and the pull request comment.
// Everything from a config or a server goes through escapeText or code:
// GitHub renders both documents, so a stray "|" would break a table, "<"
// could open HTML, and "@name" would notify someone.

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stepstone-dev/stepstone/internal/textsafe"
	"github.com/stepstone-dev/stepstone/report"
)

// escapeText makes s render as the same text in GitHub Markdown, on one
// line. Line breaks become <br> so that multi-line server errors stay in
// their table cell.
func escapeText(s string) string {
	// Control characters, bidi overrides and zero-width characters are
	// written as visible escapes first (textsafe keeps the line breaks).
	s = textsafe.Text(strings.ReplaceAll(s, "\r\n", "\n"))
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\n', '\r':
			b.WriteString("<br>")
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '@':
			// A zero-width space after @ keeps "@team" from pinging
			// anyone, as Renovate does in its PR bodies.
			b.WriteString("@&#8203;")
		case '\\', '`', '*', '_', '[', ']', '|', '~', '#', '!', '$':
			// CommonMark lets any ASCII punctuation be backslash-escaped;
			// these are the ones GitHub would read as markup.
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// code renders s as an inline code span that survives inside a table.
func code(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	// A code span shows a bidi override or an ESC as it is; write them as
	// visible escapes, as every other output does.
	s = textsafe.Line(s)
	// A code span shows its text literally, so the only way to keep a
	// file or rule named "<!-- stepstone -->" from writing a second
	// Marker is to break it with an invisible zero-width space.
	s = strings.ReplaceAll(s, Marker, "<!\u200b"+strings.TrimPrefix(Marker, "<!"))
	// The fence must be longer than any run of backticks inside.
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	// GFM splits table cells at "|" even inside code spans, unless escaped.
	s = strings.ReplaceAll(s, "|", `\|`)
	return fence + s + fence
}

// clip shortens s to at most n runes, marking the cut. Server errors can be
// whole HTML pages; a table cell does not need all of it.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimRight(string(r[:n]), " ") + "…"
}

// link renders a Markdown link whose target is wrapped in <>, so that
// spaces and parentheses in a path cannot end it early.
func link(text, target string) string {
	return "[" + text + "](<" + target + ">)"
}

// location renders where p is, linked to the file on GitHub when possible.
func location(p Problem, blobURL string) string {
	if p.File == "" {
		return "—"
	}
	name := p.Path
	if name == "" {
		name = p.File
	}
	pos := report.Position{File: name, Line: p.Line, Col: p.Col}.String()
	if p.Path == "" || blobURL == "" {
		return code(pos)
	}
	target := blobURL + "/" + escapePath(p.Path)
	if p.Line > 0 {
		target += "#L" + strconv.Itoa(p.Line)
		if end := p.Range().End.Line; end > p.Line {
			target += "-L" + strconv.Itoa(end)
		}
	}
	return link(escapeText(pos), target)
}

// check names the rule or probe behind p.
func check(p Problem) string {
	if p.Probe != "" {
		return escapeText(p.Probe)
	}
	return code(p.Rule)
}

// message renders p's message and suggestion for a table cell.
func message(p Problem, limit int) string {
	s := escapeText(clip(p.Message, limit))
	if p.Suggestion != "" {
		s += "<br>*" + escapeText(clip(p.Suggestion, limit)) + "*"
	}
	return s
}

func statusIcon(s report.Status) string {
	switch s {
	case report.Pass:
		return "✅"
	case report.Fail:
		return "❌"
	case report.Warn:
		return "⚠️"
	default:
		return "⏭️"
	}
}

func severityIcon(s report.Severity) string {
	switch s {
	case report.Error:
		return "❌"
	case report.Warning:
		return "⚠️"
	default:
		return "ℹ️"
	}
}

// headline is the first line of both documents.
func headline(r *report.Report) string {
	v := r.Verdict()
	return fmt.Sprintf("%s stepstone: %s", statusIcon(v), v)
}

// plural renders "1 error" or "2 errors".
func plural(n int, one string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + one + "s"
}

// totals is the sentence under the headline.
func totals(r *report.Report) string {
	c := r.Count()
	s := fmt.Sprintf("%s, %s and %s in %s",
		plural(c.Errors, "error"), plural(c.Warnings, "warning"), plural(c.Infos, "info"),
		plural(len(r.Components), "config"))
	if ran := c.Passed + c.Failed + c.Warned + c.Skipped; ran > 0 {
		s += fmt.Sprintf("; live checks: %d passed, %d failed, %d warned, %d skipped",
			c.Passed, c.Failed, c.Warned, c.Skipped)
	}
	return s + "."
}

// footer names the tool and the settings that decided the verdict.
func footer(r *report.Report) string {
	tool := r.Tool
	if tool == "" {
		tool = "stepstone"
	}
	s := tool
	if r.Version != "" {
		s += " " + r.Version
	}
	if r.Command != "" {
		s += " · " + code(tool+" "+r.Command)
	}
	return s + " · fails on " + r.FailOn.String()
}

func formatDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "—"
	case d < time.Millisecond:
		return "<1ms"
	}
	return d.Round(time.Millisecond).String()
}

func formatValue(v float64, unit string) string {
	s := strconv.FormatFloat(v, 'f', 3, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if v >= 1e9 || v <= -1e9 {
		s = strconv.FormatFloat(v, 'g', 4, 64)
	}
	if unit != "" {
		s += " " + escapeText(unit)
	}
	return s
}

// writeBenchmarks writes one table of every metric probes measured, or
// nothing when none did.
func writeBenchmarks(b *strings.Builder, r *report.Report, heading string) {
	var rows []string
	for _, c := range r.Components {
		for _, p := range c.Probes {
			for _, m := range p.Metrics {
				rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s |",
					escapeText(c.Component), escapeText(p.Name), code(m.Name), formatValue(m.Value, m.Unit)))
			}
		}
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(b, "%s Benchmarks\n\n| Component | Check | Metric | Value |\n| --- | --- | --- | ---: |\n", heading)
	for _, row := range rows {
		b.WriteString(row + "\n")
	}
	b.WriteString("\n")
}

// truncate cuts s to at most limit bytes at a line boundary and ends it
// with note. The blank line before the note closes any table it cut.
func truncate(s string, limit int, note string) string {
	if len(s) <= limit {
		return s
	}
	tail := "\n" + note + "\n"
	cut := limit - len(tail)
	if cut <= 0 {
		return ""
	}
	i := strings.LastIndexByte(s[:cut], '\n')
	if i < 0 {
		return ""
	}
	return s[:i+1] + tail
}
