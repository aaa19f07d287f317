package lint

import (
	"strings"

	"github.com/stepstone-dev/stepstone/report"
)

var ruleInvalidLogLevel = &Rule{
	Rule: report.Rule{
		ID:       "invalid-log-level",
		Severity: report.Error,
		Summary:  "a logging.level GreptimeDB cannot parse as a list of tracing targets",
		Help:     `write comma-separated LEVEL or TARGET=LEVEL directives, LEVEL one of off, error, warn, info, debug, trace (for example "info,greptime=debug")`,
	},
	Check: func(c *Context) {
		s, ok := c.File.String("logging.level")
		if !ok || c.File.IsPlaceholder(s) {
			return
		}
		if bad := badLogDirective(s); bad != "" {
			c.ReportValue("logging.level", "", "logging.level directive %q is not TARGET=LEVEL with a known level: GreptimeDB fails at start", bad)
		}
	},
}

// badLogDirective returns the first directive tracing_subscriber's Targets
// parser refuses: "target=level" with a level it does not know, or more
// than one "=".
func badLogDirective(s string) string {
	for _, d := range strings.Split(s, ",") {
		d = strings.TrimSpace(d)
		target, level, hasLevel := strings.Cut(d, "=")
		if !hasLevel {
			continue // a bare level, or a bare target (enabled at trace)
		}
		if strings.Contains(level, "=") || strings.TrimSpace(target) == "" && level == "" {
			return d
		}
		switch strings.ToLower(strings.TrimSpace(level)) {
		case "off", "error", "warn", "info", "debug", "trace", "0", "1", "2", "3", "4", "5":
		default:
			return d
		}
	}
	return ""
}
