package lint

import (
	"fmt"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

var ruleEnvUnknownKey = &Rule{
	Rule: report.Rule{
		ID:       "env-unknown-key",
		Severity: report.Warning,
		Summary:  "an environment override that names no key of this component",
		Help:     "fix the variable's name: PREFIX__SECTION__KEY with double underscores between levels",
	},
	Check: func(c *Context) {
		if c.File.Env == nil {
			return
		}
		for _, k := range c.File.Env.Keys() {
			sk := configs.SchemaKey(k)
			if cls, _ := classifyKey(c.Schema, sk); cls == keyKnown || cls == keyFree {
				continue
			}
			ev := c.File.Env.Values[k]
			msg := fmt.Sprintf("env %s sets %s, which is not a %s option", ev.Var, k, c.File.Component)
			if dym := didYouMean(c.Schema, sk); dym != "" {
				msg += fmt.Sprintf(": did you mean %s?", dym)
			}
			c.ReportEnv(k, "", "%s", msg)
		}
	},
}

var ruleEnvShadowed = &Rule{
	Rule: report.Rule{
		ID:       "env-shadowed",
		Severity: report.Info,
		Summary:  "an environment override that the config file beats (file > env in GreptimeDB)",
		Help:     "remove the key from the file if the environment should decide it",
	},
	Check: func(c *Context) {
		if c.File.Env == nil {
			return
		}
		for k, ev := range c.File.Env.Shadowed {
			c.Report(k, "", "env %s is ignored: the file sets %s, and the file wins over the environment", ev.Var, displayKey(k))
		}
	},
}
