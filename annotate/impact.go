package annotate

import (
	"fmt"
	"strings"

	"github.com/stepstone-dev/stepstone/report"
)

// maxHarmlessListed caps the compact list of harmless changes per config.
const maxHarmlessListed = 20

// ImpactSection renders the "What this change does" section of the PR
// comment: per changed config, a table of the dangerous changes with the
// reason, then the harmless ones on one line each. It returns "" when no
// effective value changes.
func ImpactSection(changes []report.ConfigChanges) string {
	var b strings.Builder
	for _, cc := range changes {
		if len(cc.Changes) == 0 {
			continue
		}
		if b.Len() == 0 {
			b.WriteString("#### What this change does\n\n")
		}
		d := cc.Dangerous()
		fmt.Fprintf(&b, "%s (%s, %s): ", code(cc.File), escapeText(cc.Component), escapeText(cc.Status))
		switch d {
		case 0:
			b.WriteString("no dangerous change\n\n")
		default:
			fmt.Fprintf(&b, "**%d dangerous change(s)** for a running cluster\n\n", d)
			b.WriteString("| Key | Old | New | Why it is dangerous |\n| --- | --- | --- | --- |\n")
			for _, ch := range cc.Changes {
				if ch.Dangerous {
					fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", code(ch.Key), code(clip(ch.Old, 80)), code(clip(ch.New, 80)), escapeText(ch.Reason))
				}
			}
			b.WriteString("\n")
		}
		var harmless []string
		for _, ch := range cc.Changes {
			if !ch.Dangerous {
				harmless = append(harmless, fmt.Sprintf("%s %s → %s", code(ch.Key), code(clip(ch.Old, 60)), code(clip(ch.New, 60))))
			}
		}
		if len(harmless) > 0 {
			more, total := "", len(harmless)
			if len(harmless) > maxHarmlessListed {
				more = fmt.Sprintf("\n- …and %d more", len(harmless)-maxHarmlessListed)
				harmless = harmless[:maxHarmlessListed]
			}
			fmt.Fprintf(&b, "<details><summary>%d other change(s)</summary>\n\n- %s%s\n\n</details>\n\n", total, strings.Join(harmless, "\n- "), more)
		}
	}
	if b.Len() > 0 {
		b.WriteString("GreptimeDB reads its config at start: each change takes effect when the component restarts.\n\n")
	}
	return b.String()
}
