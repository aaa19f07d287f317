package lint

import (
	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

// Rules that follow GreptimeDB's loader where it is stricter (or more
// lenient) than the key's kind says: the facts come from the curated layer
// (configs/curated.go) for the release the file is judged by.

var ruleIntOutOfRange = &Rule{
	Rule: report.Rule{
		ID:       "int-out-of-range",
		Severity: report.Error,
		Summary:  "an integer outside the Rust type of its field (negative into unsigned, too big, or 0 into a NonZero field)",
		Help:     "write a value the field's type holds; GreptimeDB refuses to load the config otherwise",
	},
	Check: func(c *Context) {
		for i, e := range c.keyEntries() {
			_, sp := c.keyClass(i)
			if sp == nil || (sp.Int == "" && !sp.NonZero) || e.Header {
				continue
			}
			v, ok := c.File.EntryValue(e)
			n, isInt := v.(int64)
			if !ok || !isInt {
				continue
			}
			if sp.NonZero && n == 0 {
				c.ReportValue(e.Key, "", "%s = 0, but the field is NonZero: GreptimeDB %s refuses to load the config", displayKey(e.Key), c.File.Version)
				continue
			}
			lo, hi, unsigned, ok := configs.IntRange(sp.Int)
			if !ok || (n >= lo && n <= hi) {
				continue
			}
			if unsigned && n < 0 {
				c.ReportValue(e.Key, "", "%s = %d is negative, but the field is %s (unsigned): GreptimeDB %s refuses to load the config", displayKey(e.Key), n, sp.Int, c.File.Version)
				continue
			}
			c.ReportValue(e.Key, "", "%s = %d does not fit the field's type %s (%d..%d): GreptimeDB %s refuses to load the config", displayKey(e.Key), n, sp.Int, lo, hi, c.File.Version)
		}
	},
}
