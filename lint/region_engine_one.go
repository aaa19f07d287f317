package lint

import (
	"fmt"
	"sort"
	"strings"

	"github.com/stepstone-dev/stepstone/report"
)

var ruleRegionEngineOne = &Rule{
	Rule: report.Rule{
		ID:       "region-engine-one",
		Severity: report.Error,
		Summary:  "a [[region_engine]] element that holds no engine or more than one",
		Help:     "write one [[region_engine]] element per engine: [region_engine.mito], then another [[region_engine]] for [region_engine.metric]",
	},
	Check: func(c *Context) {
		report := func(i int, names []string) {
			if len(names) != 1 {
				c.Report(fmt.Sprintf("region_engine[%d]", i), "", "region_engine element %d holds %d engines (%s); GreptimeDB reads each element as one engine and refuses to load the config", i+1, len(names), strings.Join(sorted(names), ", "))
			}
		}
		// [[region_engine]] elements are read from the index (asking
		// for their tables would make the file's whole tree).
		if n, ok := c.File.Elements("region_engine"); ok {
			for i := range n {
				report(i, c.File.ChildNames(fmt.Sprintf("region_engine[%d]", i)))
			}
			return
		}
		// Written inline, region_engine = [{...}, ...], it is a value.
		v, _ := c.File.Get("region_engine")
		arr, _ := v.([]any)
		i := 0
		for _, x := range arr {
			if m, isMap := x.(map[string]any); isMap {
				names := make([]string, 0, len(m))
				for k := range m {
					names = append(names, k)
				}
				report(i, names)
				i++
			}
		}
	},
}

// sorted sorts s in place and returns it.
func sorted(s []string) []string {
	sort.Strings(s)
	return s
}
