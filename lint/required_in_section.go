package lint

import (
	"strings"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

var ruleRequiredInSection = &Rule{
	Rule: report.Rule{
		ID:       "required-in-section",
		Severity: report.Error,
		Summary:  "a field GreptimeDB needs whenever its section is written, because the section has no default to fill it in",
		Help:     "write the field in the section, or remove the section",
	},
	Check: func(c *Context) {
		for _, sp := range c.Schema.Specs() {
			if sp.Required == "" || strings.Contains(sp.Key, "[]") {
				continue
			}
			i := configs.LastDot(sp.Key)
			if i < 0 {
				continue
			}
			parent := sp.Key[:i]
			// An empty table is dropped by the config layer, as if not
			// written (the flownode example ships one).
			if len(c.File.ChildNames(parent)) == 0 || c.File.Has(sp.Key) {
				continue
			}
			c.Report(parent, "write "+sp.Key[i+1:]+" in ["+parent+"]", "[%s] is written without %s, which GreptimeDB %s requires %s: it refuses to load the config (missing field)",
				parent, sp.Key[i+1:], c.File.Version, sp.Required)
		}
	},
}
