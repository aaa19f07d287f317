package annotate

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/stepstone-dev/stepstone/report"
)

// Marker ends every comment stepstone writes. The next run looks for it to
// edit its own comment instead of adding another, as reviewdog's
// commentutil does. It is an HTML comment, so GitHub does not show it.
const Marker = "<!-- stepstone -->"

const (
	// MaxCommentRows caps the problem table in the comment; the step
	// summary lists everything.
	MaxCommentRows = 30
	// maxCommentBytes stays under GitHub's limit of 65536 characters for
	// an issue comment body.
	maxCommentBytes = 65000
	// commentMessageLimit clips messages in the comment, in runes.
	commentMessageLimit = 300
)

// WriteMarkdown writes the pull request comment for r, also useful as a
// local report: the verdict, a table of components, the first
// MaxCommentRows problems (errors first), benchmark numbers, and Marker.
func WriteMarkdown(w io.Writer, r *report.Report, opts Options) error {
	s := truncate(commentBody(r, opts), maxCommentBytes-len(Marker)-1,
		"*The comment was cut here to fit GitHub's size limit"+summaryPointer(opts)+".*")
	if _, err := io.WriteString(w, s+Marker+"\n"); err != nil {
		return fmt.Errorf("could not write Markdown: %w", err)
	}
	return nil
}

// summaryPointer ends a sentence with where the full report is.
func summaryPointer(opts Options) string {
	if opts.RunURL == "" {
		return "; the job summary has every result"
	}
	return "; the " + link("job summary", opts.RunURL) + " has every result"
}

func commentBody(r *report.Report, opts Options) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s\n\n%s\n\n", headline(r), totals(r))
	b.WriteString(judgedAs(r))
	if r.Interrupted {
		b.WriteString("> [!CAUTION]\n> The run was interrupted, so these results are incomplete.\n\n")
	}

	if len(r.Components) > 0 || len(r.ClusterFindings) > 0 {
		b.WriteString("| Component | Config | Result | Errors | Warnings | Infos | Live checks |\n| --- | --- | --- | ---: | ---: | ---: | --- |\n")
		for _, c := range r.Components {
			path, _ := repoPath(opts.Workspace, c.ConfigFile)
			if path == "" {
				path = c.ConfigFile
			}
			e, w, i := countFindings(c.Findings)
			fmt.Fprintf(&b, "| %s | %s | %s %s | %d | %d | %d | %s |\n", escapeText(c.Component), code(path),
				statusIcon(c.Verdict(r.FailOn)), c.Verdict(r.FailOn), e, w, i, probeTally(c.Probes))
		}
		if len(r.ClusterFindings) > 0 {
			e, w, i := countFindings(r.ClusterFindings)
			fmt.Fprintf(&b, "| across configs | — | — | %d | %d | %d | — |\n", e, w, i)
		}
		b.WriteString("\n")
	}

	problems := Problems(r, opts.Workspace)
	if len(problems) > 0 {
		b.WriteString("| | Location | Check | Message |\n| --- | --- | --- | --- |\n")
		for i, p := range problems {
			if i == MaxCommentRows {
				break
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", severityIcon(p.Severity),
				location(p, opts.BlobURL), check(p), message(p, commentMessageLimit))
		}
		b.WriteString("\n")
		if more := len(problems) - MaxCommentRows; more > 0 {
			fmt.Fprintf(&b, "*%s not shown%s.*\n\n", plural(more, "more result"), summaryPointer(opts))
		}
	}
	// What the pull request changes in each config it touches.
	b.WriteString(ImpactSection(r.Impact))
	writeBenchmarks(&b, withoutBenchMetrics(r), "####")
	writePerformance(&b, r, "####")
	fmt.Fprintf(&b, "<sub>%s</sub>\n\n", footer(r))
	return b.String()
}

func countFindings(fs []report.Finding) (errs, warns, infos int) {
	for _, f := range fs {
		switch f.Severity {
		case report.Error:
			errs++
		case report.Warning:
			warns++
		default:
			infos++
		}
	}
	return errs, warns, infos
}

// probeTally renders "1 of 2 passed", leaving skipped probes out.
func probeTally(ps []report.ProbeResult) string {
	ran, passed := 0, 0
	for _, p := range ps {
		if p.Status == report.Skip {
			continue
		}
		ran++
		if p.Status == report.Pass {
			passed++
		}
	}
	if ran == 0 {
		return "—"
	}
	return fmt.Sprintf("%d of %d passed", passed, ran)
}

// withoutBenchMetrics returns r without the benchmark numbers, which
// writePerformance shows, so the generic metrics table keeps the rest.
func withoutBenchMetrics(r *report.Report) *report.Report {
	out := *r
	out.Components = make([]report.ComponentReport, len(r.Components))
	for i, c := range r.Components {
		c.Probes = append([]report.ProbeResult(nil), c.Probes...)
		for j, p := range c.Probes {
			_, c.Probes[j].Metrics = report.BenchRows(p.Metrics)
		}
		out.Components[i] = c
	}
	return &out
}

// writePerformance writes each benchmark under heading: what it cost, a
// table of its numbers and, under the table, a Mermaid chart of the
// throughput per object size and operation and, with a baseline, one of
// the change against it. GitHub renders Mermaid in comments and step
// summaries; elsewhere the charts read as code blocks.
// https://mermaid.js.org/syntax/xyChart.html
func writePerformance(b *strings.Builder, r *report.Report, heading string) {
	first := true
	for _, c := range r.Components {
		for _, p := range c.Probes {
			rows, _ := report.BenchRows(p.Metrics)
			if len(rows) == 0 {
				continue
			}
			if first {
				fmt.Fprintf(b, "%s Performance\n\n", heading)
				first = false
			}
			fmt.Fprintf(b, "**%s** · %s · %s %s", escapeText(p.Name), escapeText(c.Component), statusIcon(p.Status), p.Status)
			if req, bytes, ok := report.BenchUsage(p.Metrics); ok {
				fmt.Fprintf(b, " · %s requests, %s", strconv.FormatFloat(req, 'f', 0, 64), formatBenchBytes(bytes))
			}
			b.WriteString("\n\n")
			writeBenchTable(b, rows)
			writeBenchCharts(b, rows)
		}
	}
}

func writeBenchTable(b *strings.Builder, rows []report.BenchRow) {
	hasChange := false
	for _, r := range rows {
		if r.Change() != "" {
			hasChange = true
		}
	}
	b.WriteString("| Operation | Size |")
	align := "| --- | --- |"
	for _, c := range report.BenchColumns {
		b.WriteString(" " + escapeText(c.Title) + " |")
		align += " ---: |"
	}
	if hasChange {
		b.WriteString(" vs baseline |")
		align += " --- |"
	}
	b.WriteString("\n" + align + "\n")
	for _, r := range rows {
		fmt.Fprintf(b, "| %s | %s |", escapeText(r.Operation()), escapeText(r.Size))
		for _, c := range report.BenchColumns {
			cell := "—"
			if m, ok := r.Value(c); ok {
				cell = escapeText(report.FormatBenchValue(m.Value, m.Unit))
			}
			b.WriteString(" " + cell + " |")
		}
		if hasChange {
			b.WriteString(" " + escapeText(r.Change()) + " |")
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
}

// writeBenchCharts draws the throughput of PUT and GET per size and, with
// a baseline, the change of every throughput against it.
func writeBenchCharts(b *strings.Builder, rows []report.BenchRow) {
	var labels, values, clabels, cvalues []string
	for _, r := range rows {
		label := strconv.Quote(r.Operation() + " " + r.Size)
		if v, ok := r.Throughput(); ok {
			labels, values = append(labels, label), append(values, strconv.FormatFloat(v, 'f', 1, 64))
		}
		if v, ok := r.ThroughputChange(); ok {
			clabels, cvalues = append(clabels, label), append(cvalues, strconv.FormatFloat(v, 'f', 1, 64))
		}
	}
	chart := func(title, axis string, labels, values []string) {
		fmt.Fprintf(b, "```mermaid\nxychart-beta\n    title %q\n    x-axis [%s]\n    y-axis %q\n    bar [%s]\n```\n\n",
			title, strings.Join(labels, ", "), axis, strings.Join(values, ", "))
	}
	if len(labels) > 0 {
		chart("Throughput by operation and object size", "MiB/s", labels, values)
	}
	if len(clabels) > 0 {
		chart("Throughput change against the baseline", "%", clabels, cvalues)
	}
}

// formatBenchBytes renders a byte count: 3.0 GiB, 12.5 MiB, 800 B.
func formatBenchBytes(n float64) string {
	for _, u := range []struct {
		unit string
		size float64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.size {
			return strconv.FormatFloat(n/u.size, 'f', 1, 64) + " " + u.unit
		}
	}
	return strconv.FormatFloat(n, 'f', 0, 64) + " B"
}
