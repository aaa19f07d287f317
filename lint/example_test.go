package lint_test

import (
	"fmt"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/lint"
	"github.com/stepstone-dev/stepstone/report"
)

// Example_addRule shows how to add a rule. A rule is a value: an id that
// never changes once released, a severity, a one-line summary, a line of
// help saying what to change, and a check that reports through the
// context. A new rule family gets a file named after its lead rule id
// (debug-logging: lint/debug_logging.go), its rule goes into Rules in
// lint.go, and its golden cases into testdata/rules/debug-logging*.toml.
func Example_addRule() {
	ruleDebugLogging := &lint.Rule{
		Rule: report.Rule{
			ID:       "debug-logging",
			Severity: report.Warning,
			Summary:  "logging at debug level in a production config",
			Help:     "set logging.level to \"info\"",
		},
		Check: func(c *lint.Context) {
			if v, ok := c.File.Get("logging.level"); ok && v == "debug" {
				// ReportValue points at the value, the thing to change.
				c.ReportValue("logging.level", "", "logging.level is %q", v)
			}
		},
	}
	// Here the rule is appended for the example; in the code it is listed
	// in Rules.
	lint.Rules = append(lint.Rules, ruleDebugLogging)
	defer func() { lint.Rules = lint.Rules[:len(lint.Rules)-1] }()

	f, err := configs.Load("frontend.toml", []byte("[logging]\nlevel = \"debug\"\n"), configs.Frontend)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, fd := range lint.Lint(f, nil) {
		if fd.Rule == "debug-logging" {
			fmt.Println(fd)
		}
	}
	// Output:
	// frontend.toml:2:9: logging.level is "debug" [debug-logging]
}
