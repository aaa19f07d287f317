package lint

import "github.com/stepstone-dev/stepstone/report"

var ruleSyntax = &Rule{
	Rule: report.Rule{
		ID:       "toml-syntax",
		Severity: report.Error,
		Summary:  "the file is not valid TOML",
		Help:     "fix the TOML at the position shown; GreptimeDB refuses to start with this file",
		URL:      "https://toml.io/en/v1.0.0",
	},
	Check: func(c *Context) {
		reportSyntax(c, false)
	},
}

var ruleDuplicateKey = &Rule{
	Rule: report.Rule{
		ID:       "duplicate-key",
		Severity: report.Error,
		Summary:  "a key or table is defined twice",
		Help:     "remove one of the two definitions; TOML forbids defining a key twice and GreptimeDB refuses the file",
		URL:      "https://toml.io/en/v1.0.0#keys",
	},
	Check: func(c *Context) { reportSyntax(c, true) },
}

// reportSyntax reports the decoder's error under the rule that fits it.
func reportSyntax(c *Context, duplicate bool) {
	se := c.File.SyntaxError
	if se == nil || se.Duplicate != duplicate {
		return
	}
	c.findings = append(c.findings, report.Finding{
		Rule: c.rule.ID, Severity: c.rule.Severity, Message: oneLine(se.Message),
		Suggestion: c.rule.Help, Pos: se.Pos,
	})
}
