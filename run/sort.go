package run

import "github.com/stepstone-dev/stepstone/report"

// SortComponent sorts the findings of a component report that a caller
// builds beside Run (kube's report about the resource itself). Findings are
// sorted here, in run, and nowhere else: Run sorts its own, the writers
// print them in the order they are given.
func SortComponent(c *report.ComponentReport) {
	c.Findings = report.SortFindings(c.Findings)
}
