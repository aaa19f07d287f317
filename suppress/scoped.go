package suppress

import (
	"strings"

	"github.com/stepstone-dev/stepstone/report"
)

// Scoped is a list of directives written outside any config text, such
// as the stepstone.greptime.io/ignore annotation of a GreptimeDBCluster
// read from the API server. Each suppresses, as a file-level directive
// does, the findings of every file Covers accepts.
type Scoped struct {
	// Where names it in SARIF and in messages, e.g.
	// "greptimedbcluster/demo -n prod annotation stepstone.greptime.io/ignore".
	Where string
	// Pos is where findings about the directives point.
	Pos report.Position
	// Covers reports whether a finding's file is one the directives
	// speak for.
	Covers     func(file string) bool
	Directives []Directive
}

// ParseList reads directives written one per line (or separated by ";"),
// each in the form of an inline comment without its marker:
//
//	crd-plaintext-credentials,plaintext-secret dev cluster, throwaway keys until=2026-12-31
//
// Blank entries are skipped.
func ParseList(s string) []Directive {
	var out []Directive
	for _, line := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == ';' }) {
		// The marker may be written out too, as in a config.
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "#"))
		for _, m := range []string{fileMarker, marker} {
			if rest, ok := strings.CutPrefix(line, m); ok {
				line = strings.TrimSpace(rest)
				break
			}
		}
		if line == "" {
			continue
		}
		d := parseBody(line)
		d.FileLevel = true
		out = append(out, d)
	}
	return out
}
