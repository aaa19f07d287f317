// Package suppress decides which findings the repository has chosen to
// accept: inline `# stepstone:ignore` comments in the configs (TOML, or
// the YAML that holds them) and the repository file .stepstone.toml. It is
// pure: findings and file texts in, findings out, with the suppressed ones
// kept aside with their justification so that SARIF can record them.
package suppress

import (
	"bytes"
	"strings"
	"time"
)

// Directive is one `# stepstone:ignore` comment.
//
//	key = 1 # stepstone:ignore rule-a,rule-b the reason [until=2026-12-31]
//	# stepstone:ignore rule-a the reason     (applies to the next line)
//	# stepstone:ignore-file rule-a the reason (in the comments at the top)
type Directive struct {
	Rules  []string
	Reason string
	// Until is the last day the directive suppresses; zero for no end.
	Until time.Time
	// Line is where the comment stands (1-based); Target is the line it
	// suppresses findings on, 0 for a file-level directive.
	Line, Target int
	FileLevel    bool
	// BadUntil holds an until= value that is not a date.
	BadUntil string
}

const (
	marker     = "stepstone:ignore"
	fileMarker = "stepstone:ignore-file"
)

// Mentioned reports whether src may hold a directive: Parse finds none in
// a text that does not mention the marker.
// It hops from colon to colon: a config holds a colon every few hundred
// bytes and an "s" (the marker's first byte, where bytes.Contains starts
// its checks) every twenty, which made this scan 2% of a lint.
func Mentioned(src []byte) bool {
	name, rest := marker[:markerColon], marker[markerColon:]
	for i := markerColon; i < len(src); i++ {
		j := bytes.IndexByte(src[i:], ':')
		if j < 0 {
			return false
		}
		i += j
		if string(src[i-markerColon:i]) == name && bytes.HasPrefix(src[i:], []byte(rest)) {
			return true
		}
	}
	return false
}

// markerColon is where the colon stands in marker.
const markerColon = len("stepstone")

// Parse finds the directives in a config's text. Comments start with '#'
// outside quotes in TOML and YAML alike, so the same scan reads a TOML
// file, a GreptimeDBCluster manifest and the TOML in its block scalars.
func Parse(src []byte) []Directive {
	if !Mentioned(src) {
		// Most configs have none: a thousand of them were 4% of a lint.
		return nil
	}
	lines := strings.Split(string(src), "\n")
	var out []Directive
	top := true       // still in the comments and blank lines at the top
	var pending []int // indexes in out of directives waiting for a line
	for i, raw := range lines {
		line := strings.TrimRight(raw, "\r")
		code, comment := splitComment(line)
		blank := strings.TrimSpace(code) == ""
		if !blank {
			top = false
			for _, p := range pending {
				out[p].Target = i + 1
			}
			pending = nil
		}
		if comment == "" {
			continue
		}
		body := strings.TrimSpace(strings.TrimLeft(comment, "#"))
		var d Directive
		switch {
		case strings.HasPrefix(body, fileMarker+" ") || body == fileMarker:
			if !top {
				continue // a file-level form below the top does not count
			}
			d = parseBody(strings.TrimPrefix(body, fileMarker))
			d.FileLevel = true
		case strings.HasPrefix(body, marker+" ") || body == marker:
			d = parseBody(strings.TrimPrefix(body, marker))
		default:
			continue
		}
		d.Line = i + 1
		if !d.FileLevel {
			if blank {
				pending = append(pending, len(out))
			} else {
				d.Target = i + 1
			}
		}
		out = append(out, d)
	}
	return out
}

// splitComment splits a line at the '#' that starts its comment, skipping
// quoted strings.
func splitComment(line string) (code, comment string) {
	var q byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case q != 0:
			if c == '\\' && q == '"' {
				i++
			} else if c == q {
				q = 0
			}
		case c == '"' || c == '\'':
			q = c
		case c == '#':
			return line[:i], line[i:]
		}
	}
	return line, ""
}

// parseBody reads "rule-a,rule-b reason words until=YYYY-MM-DD".
func parseBody(s string) Directive {
	var d Directive
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return d
	}
	for _, r := range strings.Split(fields[0], ",") {
		if r = strings.TrimSpace(r); r != "" {
			d.Rules = append(d.Rules, r)
		}
	}
	var reason []string
	for _, f := range fields[1:] {
		if v, ok := strings.CutPrefix(f, "until="); ok {
			if t, err := time.Parse("2006-01-02", strings.Trim(v, "[]")); err == nil {
				d.Until = t
			} else {
				d.BadUntil = v
			}
			continue
		}
		reason = append(reason, f)
	}
	d.Reason = strings.Join(reason, " ")
	return d
}

// covers reports whether the directive names the rule.
func (d Directive) covers(rule string) bool {
	for _, r := range d.Rules {
		if r == rule {
			return true
		}
	}
	return false
}
