package sarif

// FuzzWrite feeds reports whose every free-text field and number comes from
// the fuzzer through Write. Run it with
//
//	go test -run '^$' -fuzz '^FuzzWrite$' -fuzztime 60s ./sarif/
//
// or with the other targets through scripts/fuzz.sh.

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/stepstone-dev/stepstone/internal/sample"
	"github.com/stepstone-dev/stepstone/report"
)

func FuzzWrite(f *testing.F) {
	for i, s := range []string{"", "x", "<stdin>", "-", "../outside.toml", "/abs/datanode.toml", "a b%20c.toml", "\xff\xfe",
		"\x00", "é", "<script>", "C:\\x.toml", "deploy/../../x.toml", "\n"} {
		f.Add(s, "rule-"+s, "key."+s, "message "+s, s, "probe "+s, s, float64(i)/3, i-2, i%5, i%3 == 0, "/work/"+s)
	}
	f.Add("x.toml", "r", "k", "m", "s", "p", "timeout", math.NaN(), 1, 1, false, "")
	f.Add("x.toml", "r", "k", "m", "s", "p", "timeout", math.Inf(1), 1, 1, false, "")
	f.Fuzz(func(t *testing.T, file, rule, key, msg, suggestion, probe, class string, value float64, line, col int, interrupted bool, root string) {
		r := sample.Report()
		r.Interrupted = interrupted
		pos := report.Position{File: file, Line: line, Col: col}
		r.Components = append(r.Components, report.ComponentReport{
			Component: probe, ConfigFile: file, Timestamp: time.Unix(0, 0),
			Findings: []report.Finding{
				{Rule: rule, Severity: report.Severity(line % 3), Message: msg, Suggestion: suggestion, Key: key, Pos: pos, EndLine: col, EndCol: line},
			},
			Probes: []report.ProbeResult{
				{Name: probe, Status: report.Fail, Class: class, Message: msg, Suggestion: suggestion, Key: key, Pos: pos,
					Metrics: []report.Metric{{Name: class, Value: value, Unit: suggestion}}},
				{Name: probe, Status: report.Warn, Message: msg},
			},
		})
		r.ClusterFindings = append(r.ClusterFindings, report.Finding{Rule: rule, Severity: report.Info, Message: msg, Pos: pos})

		var buf bytes.Buffer
		if err := Write(&buf, r, Options{WorkspaceRoot: root}); err != nil {
			t.Fatalf("Write failed: %v", err)
		}
		if !json.Valid(buf.Bytes()) {
			t.Fatalf("not valid JSON:\n%s", buf.Bytes())
		}
		var doc struct {
			Runs []struct {
				Tool struct {
					Driver struct {
						Rules []struct {
							ID string `json:"id"`
						} `json:"rules"`
					} `json:"driver"`
				} `json:"tool"`
				Results []struct {
					RuleID    string `json:"ruleId"`
					RuleIndex int    `json:"ruleIndex"`
					Locations []struct {
						PhysicalLocation struct {
							Region *struct {
								StartLine   int `json:"startLine"`
								StartColumn int `json:"startColumn"`
							} `json:"region"`
						} `json:"physicalLocation"`
					} `json:"locations"`
				} `json:"results"`
			} `json:"runs"`
		}
		if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		if len(doc.Runs) != 1 || doc.Runs[0].Results == nil {
			t.Fatalf("want one run with a results array:\n%s", buf.Bytes())
		}
		run := doc.Runs[0]
		// 3 from the finding and the cluster finding, 2 probes, plus the
		// sample's own.
		if len(run.Results) < 4 {
			t.Fatalf("only %d results", len(run.Results))
		}
		for _, res := range run.Results {
			if res.RuleIndex < 0 || res.RuleIndex >= len(run.Tool.Driver.Rules) || run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
				t.Fatalf("result of rule %q has ruleIndex %d, which names another rule", res.RuleID, res.RuleIndex)
			}
			for _, loc := range res.Locations {
				reg := loc.PhysicalLocation.Region
				if reg == nil || reg.StartLine < 1 || reg.StartColumn < 0 {
					t.Fatalf("result of rule %q has region %+v; want startLine >= 1", res.RuleID, reg)
				}
			}
		}
	})
}
