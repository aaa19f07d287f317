package lint

import (
	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

var ruleAliasConflict = &Rule{
	Rule: report.Rule{
		ID:       "alias-conflict",
		Severity: report.Error,
		Summary:  "a field written under both its name and its deprecated alias",
		Help:     "keep only the current name",
	},
	Check: func(c *Context) {
		for _, a := range configs.Aliases {
			if a.Components != nil && !hasComponent(a.Components, c.File.Component) {
				continue
			}
			if !c.File.Version.AtLeast(a.Since) {
				continue
			}
			if c.File.Has(a.Name) && c.File.Has(a.Alias) {
				c.Report(a.Alias, "remove "+a.Alias, "%s and its alias %s are both set: GreptimeDB %s refuses to load the config (duplicate field)", a.Name, a.Alias, c.File.Version)
			}
		}
	},
}
