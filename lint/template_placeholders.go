package lint

import (
	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

var ruleTemplatePlaceholders = &Rule{
	Rule: report.Rule{
		ID:       "template-placeholders",
		Severity: report.Info,
		Summary:  "values that are template placeholders, not checked until rendered",
		Help:     "check the rendered config too; --placeholder REGEX adds a placeholder pattern",
	},
	Check: func(c *Context) {
		keys := c.File.PlaceholderKeys()
		if len(keys) == 0 {
			return
		}
		c.Report(keys[0], "", "%d placeholder value(s) not checked (first: %s); they are filled in before GreptimeDB reads the file", len(keys), displayKey(keys[0]))
	},
}

// keyRules judge keys, not values: they still run on keys whose value is
// a template placeholder.
var keyRules = map[string]bool{
	"toml-syntax": true, "duplicate-key": true, "unknown-key": true, "renamed-key": true,
	"deprecated-key": true, "other-component-key": true, "key-not-for-type": true,
	"env-unknown-key": true, "env-shadowed": true, "template-placeholders": true,
	"alias-conflict": true, "region-engine-one": true,
}

// withoutPlaceholderValues drops value findings on keys whose value is a
// template placeholder.
func withoutPlaceholderValues(f *configs.File, findings []report.Finding) []report.Finding {
	if f == nil || !f.Parsed() {
		return findings
	}
	out := findings[:0]
	for _, fd := range findings {
		if !keyRules[fd.Rule] && fd.Key != "" && f.HoldsPlaceholder(fd.Key) {
			continue
		}
		out = append(out, fd)
	}
	return out
}

// withoutClusterPlaceholders drops cluster findings on placeholder values.
func withoutClusterPlaceholders(files []*configs.File, findings []report.Finding) []report.Finding {
	byPath := map[string][]*configs.File{}
	for _, f := range files {
		byPath[f.Path] = append(byPath[f.Path], f)
	}
	out := findings[:0]
	for _, fd := range findings {
		drop := false
		for _, f := range byPath[fd.Pos.File] {
			if fd.Key != "" && f.Parsed() && f.HoldsPlaceholder(fd.Key) {
				drop = true
			}
		}
		if !drop {
			out = append(out, fd)
		}
	}
	return out
}
