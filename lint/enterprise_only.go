package lint

import (
	"fmt"

	"github.com/stepstone-dev/stepstone/report"
)

var ruleEnterpriseOnly = &Rule{
	Rule: report.Rule{
		ID:       "enterprise-only",
		Severity: report.Error,
		Summary:  "a value only GreptimeDB Enterprise builds accept",
		Help:     "use a value the open-source build accepts, or pass --edition enterprise if the cluster runs an enterprise build",
	},
	Check: func(c *Context) {
		if c.File.Enterprise {
			return
		}
		for i, e := range c.keyEntries() {
			_, sp := c.keyClass(i)
			if sp == nil || len(sp.Enterprise) == 0 || e.Header {
				continue
			}
			v, ok := c.File.EntryValue(e)
			if !ok {
				continue
			}
			vals := []any{v}
			if arr, isArr := v.([]any); isArr {
				vals = arr
			}
			for _, x := range vals {
				text := fmt.Sprint(x)
				shown := text
				if _, isStr := x.(string); isStr {
					shown = fmt.Sprintf("%q", text)
				}
				for _, ent := range sp.Enterprise {
					if text == ent {
						c.ReportValue(e.Key, "", "%s = %s: enterprise builds only; open-source GreptimeDB %s refuses it", displayKey(e.Key), shown, c.File.Version)
					}
				}
			}
		}
	},
}
