package annotate

import (
	"fmt"
	"io"
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
	writeBenchmarks(&b, r, "####")
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
