package annotate

import (
	"fmt"
	"io"
	"strings"

	"github.com/stepstone-dev/stepstone/report"
)

// MaxSummaryBytes is GitHub's limit on one step's summary. A larger one is
// dropped whole, and the runner reports "$GITHUB_STEP_SUMMARY upload
// aborted, supports content up to a size of 1024k".
// https://docs.github.com/actions/using-workflows/workflow-commands-for-github-actions#adding-a-markdown-summary
const MaxSummaryBytes = 1 << 20

// summaryMessageLimit clips messages in summary tables, in runes.
const summaryMessageLimit = 2000

// WriteSummary writes the step summary for r: the verdict, a table of live
// checks and one of findings per component, cluster-wide findings, and the
// benchmark numbers probes measured. It stays under MaxSummaryBytes,
// cutting at a line and saying so when the report is larger.
func WriteSummary(w io.Writer, r *report.Report, opts Options) error {
	return writeSummary(w, r, opts, MaxSummaryBytes)
}

func writeSummary(w io.Writer, r *report.Report, opts Options, limit int) error {
	s := truncate(summary(r, opts), limit,
		"> [!WARNING]\n> The summary was cut here: GitHub allows 1 MiB per step. The SARIF file and the JSON report have every result.")
	if _, err := io.WriteString(w, s); err != nil {
		return fmt.Errorf("could not write the step summary: %w", err)
	}
	return nil
}

func summary(r *report.Report, opts Options) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## %s\n\n%s\n\n%s\n\n", headline(r), totals(r), footer(r))
	b.WriteString(judgedAs(r))
	if r.Interrupted {
		b.WriteString("> [!CAUTION]\n> The run was interrupted, so these results are incomplete.\n\n")
	}
	if _, om := capAnnotations(Problems(r, opts.Workspace)); om.Total() > 0 {
		var parts []string
		for _, p := range []struct {
			n    int
			what string
		}{{om.Errors, "error"}, {om.Warnings, "warning"}, {om.Notices, "notice"}} {
			if p.n > 0 {
				parts = append(parts, plural(p.n, p.what))
			}
		}
		fmt.Fprintf(&b, "> [!NOTE]\n> GitHub shows at most %d annotations of each level per step, so %s got no annotation. Every result is listed below.\n\n",
			MaxAnnotationsPerLevel, strings.Join(parts, " and "))
	}

	b.WriteString(ImpactSection(r.Impact))
	for _, c := range r.Components {
		path, _ := repoPath(opts.Workspace, c.ConfigFile)
		if path == "" {
			path = c.ConfigFile
		}
		fmt.Fprintf(&b, "### %s %s: %s\n\n", statusIcon(c.Verdict(r.FailOn)), escapeText(c.Component), code(path))
		if len(c.Probes) > 0 {
			b.WriteString("| Check | Status | Duration | Message |\n| --- | --- | ---: | --- |\n")
			for _, p := range c.Probes {
				msg := message(Problem{Message: p.Message, Suggestion: p.Suggestion}, summaryMessageLimit)
				if _, bad := p.Status.Severity(); bad && p.Pos.File != "" {
					// Say which line to fix, as the findings table does.
					msg += "<br>configured at " + location(probeProblem(c, p, opts.Workspace), opts.BlobURL)
				}
				fmt.Fprintf(&b, "| %s | %s %s | %s | %s |\n", escapeText(p.Name), statusIcon(p.Status), p.Status,
					formatDuration(p.Duration), msg)
			}
			b.WriteString("\n")
		}
		if len(c.Findings) == 0 {
			b.WriteString("No findings.\n\n")
			continue
		}
		writeFindings(&b, c.Findings, c.Component, opts)
	}
	if len(r.ClusterFindings) > 0 {
		b.WriteString("### Across configs\n\n")
		writeFindings(&b, r.ClusterFindings, "", opts)
	}
	writeBenchmarks(&b, withoutBenchMetrics(r), "###")
	writePerformance(&b, r, "###")
	return b.String()
}

func writeFindings(b *strings.Builder, fs []report.Finding, component string, opts Options) {
	b.WriteString("| Severity | Location | Rule | Message |\n| --- | --- | --- | --- |\n")
	for _, f := range fs {
		p := findingProblem(f, component, opts.Workspace)
		fmt.Fprintf(b, "| %s %s | %s | %s | %s |\n", severityIcon(p.Severity), p.Severity,
			location(p, opts.BlobURL), check(p), message(p, summaryMessageLimit))
	}
	b.WriteString("\n")
}
