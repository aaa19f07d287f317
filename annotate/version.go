package annotate

import (
	"strings"

	"github.com/stepstone-dev/stepstone/report"
)

// judgedAs says which GreptimeDB release the configs were judged by, as a
// line for the summary and the comment; "" when the report names none.
func judgedAs(r *report.Report) string {
	vs := r.GreptimeDBVersions()
	if len(vs) == 0 {
		return ""
	}
	parts := make([]string, len(vs))
	var notes []string
	for i, v := range vs {
		parts[i] = "**GreptimeDB " + escapeText(v.Version) + "**"
		if v.Source != "" {
			parts[i] += " (" + escapeText(v.Source) + ")"
		}
		if v.Note != "" {
			notes = append(notes, escapeText(v.Note))
		}
	}
	line := "Judged as " + strings.Join(parts, "; ") + "."
	if len(notes) > 0 {
		line += " " + strings.Join(notes, ". ") + "."
	}
	return line + "\n\n"
}
