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
		v, ok := c.File.Get("region_engine")
		if !ok {
			return
		}
		elems, _ := v.([]map[string]any)
		if elems == nil {
			if arr, isArr := v.([]any); isArr {
				for _, x := range arr {
					if m, isMap := x.(map[string]any); isMap {
						elems = append(elems, m)
					}
				}
			}
		}
		for i, m := range elems {
			key := fmt.Sprintf("region_engine[%d]", i)
			if len(m) != 1 {
				names := make([]string, 0, len(m))
				for k := range m {
					names = append(names, k)
				}
				c.Report(key, "", "region_engine element %d holds %d engines (%s); GreptimeDB reads each element as one engine and refuses to load the config", i+1, len(m), strings.Join(sorted(names), ", "))
			}
		}
	},
}

// sorted sorts s in place and returns it.
func sorted(s []string) []string {
	sort.Strings(s)
	return s
}
