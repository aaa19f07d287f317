package serve

import (
	"testing"

	"github.com/stepstone-dev/stepstone/report"
)

// TestDriftGaugeSumsTheDriftProbe: stepstone_drift_keys is what the
// node-drift probe counted, and 0 for a config whose node is not checked.
func TestDriftGaugeSumsTheDriftProbe(t *testing.T) {
	r := &report.Report{Components: []report.ComponentReport{
		{Component: "datanode", ConfigFile: "datanode.toml", Probes: []report.ProbeResult{
			{Name: "node 127.0.0.1:4000", Status: report.Pass},
			{Name: "config drift of node 127.0.0.1:4000", Status: report.Warn,
				Metrics: []report.Metric{{Name: probeDriftMetric, Value: 3, Unit: "count"}}},
		}},
		{Component: "frontend", ConfigFile: "frontend.toml"},
	}}
	got := map[string]float64{}
	for _, s := range takeSnapshot(r, func(s string) string { return s }).samples {
		if s.family == DriftMetric {
			got[s.values[0]] = s.v
		}
	}
	if got["datanode"] != 3 || got["frontend"] != 0 || len(got) != 2 {
		t.Errorf("drift gauge = %v, want datanode 3, frontend 0", got)
	}
}
