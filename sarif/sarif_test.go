package sarif

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stepstone-dev/stepstone/internal/sample"
	"github.com/stepstone-dev/stepstone/report"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.* from the current output")

func writeSARIF(t *testing.T, r *report.Report, opts Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, r, opts); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

func sampleOptions() Options { return Options{WorkspaceRoot: sample.Workspace} }

func TestGolden(t *testing.T) {
	got := writeSARIF(t, sample.Report(), sampleOptions())
	const golden = "testdata/golden.sarif"
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./sarif -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run go test ./sarif -update and review the diff):\n%s", golden, got)
	}
}

// hostileReport has values that break naive writers: quotes, markup,
// newlines, percent signs and a path with a space and a colon.
func hostileReport() *report.Report {
	r := sample.Report()
	file := filepath.Join(sample.Workspace, "odd dir/a:b%20.toml")
	r.Components[0].Findings = append(r.Components[0].Findings, report.Finding{
		Rule: "not-declared", Severity: report.Error,
		Message: "value \"</script>\" has\r\nnewlines, 100% :: and , commas",
		Key:     `a."quoted.key"`, Pos: report.Position{File: file, Line: 3, Col: -2},
		EndLine: 2, EndCol: 1,
	})
	r.Components[0].Probes = append(r.Components[0].Probes, report.ProbeResult{
		Name: "http", Status: report.Fail, Message: "server said ::error::boom\n",
	})
	return r
}

func TestSchema(t *testing.T) {
	clean := sample.Report()
	clean.Components = nil
	clean.ClusterFindings = nil
	noRules := &report.Report{}
	tests := []struct {
		name string
		r    *report.Report
		opts Options
	}{
		{"sample", sample.Report(), sampleOptions()},
		{"sample without root", sample.Report(), Options{}},
		{"clean", clean, sampleOptions()},
		{"empty report", noRules, Options{}},
		{"hostile values", hostileReport(), sampleOptions()},
		{"grouped finding", groupedReport(), sampleOptions()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := writeSARIF(t, tt.r, tt.opts)
			for _, e := range validateSARIF(t, out) {
				t.Error(e)
			}
			checkCodeScanning(t, out)
		})
	}
}

// checkCodeScanning checks what GitHub code scanning needs beyond the
// schema: https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning
func checkCodeScanning(t *testing.T, out []byte) {
	t.Helper()
	var log struct {
		Schema string `json:"$schema"`
		Runs   []struct {
			Tool struct {
				Driver struct {
					Name, Version, InformationURI string
					Rules                         []struct {
						ID, Name, HelpURI string
						ShortDescription  struct{ Text string }
						FullDescription   struct{ Text string }
						Help              struct{ Text, Markdown string }
						Default           struct{ Level string } `json:"defaultConfiguration"`
						Properties        map[string]any
					}
				}
			}
			Results []struct {
				RuleID    string
				RuleIndex int
				Level     string
				Message   struct{ Text string }
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI, URIBaseID string } `json:"artifactLocation"`
						Region           *struct{ StartLine, StartColumn, EndLine, EndColumn int }
					}
				}
				PartialFingerprints map[string]string
			}
		}
	}
	if err := json.Unmarshal(out, &log); err != nil {
		t.Fatal(err)
	}
	if log.Schema == "" || len(log.Runs) != 1 {
		t.Fatalf("want $schema and one run, got %q and %d runs", log.Schema, len(log.Runs))
	}
	if !bytes.Contains(out, []byte(`"results": [`)) {
		t.Errorf("results must be an array, never null")
	}
	run := log.Runs[0]
	d := run.Tool.Driver
	if d.Name == "" || d.InformationURI == "" {
		t.Errorf("driver needs name and informationUri: %+v", d)
	}
	for _, ru := range d.Rules {
		if ru.ID == "" || ru.Name == "" || ru.HelpURI == "" || ru.ShortDescription.Text == "" ||
			ru.FullDescription.Text == "" || ru.Help.Text == "" || ru.Help.Markdown == "" || ru.Default.Level == "" {
			t.Errorf("rule %q is missing metadata: %+v", ru.ID, ru)
		}
	}
	for i, res := range run.Results {
		if res.RuleIndex < 0 || res.RuleIndex >= len(d.Rules) || d.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("result %d: ruleIndex %d does not point at rule %q", i, res.RuleIndex, res.RuleID)
		}
		if res.PartialFingerprints[FingerprintKey] == "" {
			t.Errorf("result %d has no %s fingerprint", i, FingerprintKey)
		}
		for _, loc := range res.Locations {
			pl := loc.PhysicalLocation
			if pl.Region == nil || pl.Region.StartLine < 1 {
				t.Errorf("result %d needs a region with startLine >= 1: %+v", i, pl.Region)
			}
			if strings.HasPrefix(pl.ArtifactLocation.URI, "/") {
				t.Errorf("result %d: uri %q must be relative or a file:// URI", i, pl.ArtifactLocation.URI)
			}
		}
	}
}

func TestSecurityRule(t *testing.T) {
	out := string(writeSARIF(t, sample.Report(), sampleOptions()))
	i := strings.Index(out, `"id": "plaintext-secret"`)
	if i < 0 {
		t.Fatal("plaintext-secret rule not listed")
	}
	rule := out[i:]
	rule = rule[:strings.Index(rule, `"id": "wal-dir-in-tmp"`)]
	for _, want := range []string{`"security-severity": "8.0"`, `"security"`} {
		if !strings.Contains(rule, want) {
			t.Errorf("security rule lacks %s:\n%s", want, rule)
		}
	}
	if strings.Count(out, "security-severity") != 1 {
		t.Errorf("only the security rule should carry security-severity")
	}
}

func TestCleanReportHasEmptyResults(t *testing.T) {
	out := writeSARIF(t, &report.Report{Tool: "stepstone"}, Options{})
	if !bytes.Contains(out, []byte(`"results": []`)) {
		t.Errorf("a clean report must write results: [], got\n%s", out)
	}
}

func fingerprints(t *testing.T, r *report.Report) []string {
	t.Helper()
	var log struct {
		Runs []struct {
			Results []struct{ PartialFingerprints map[string]string }
		}
	}
	if err := json.Unmarshal(writeSARIF(t, r, sampleOptions()), &log); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, res := range log.Runs[0].Results {
		out = append(out, res.PartialFingerprints[FingerprintKey])
	}
	return out
}

func TestFingerprints(t *testing.T) {
	base := fingerprints(t, sample.Report())
	seen := map[string]bool{}
	for _, f := range base {
		if seen[f] {
			t.Errorf("fingerprint %s is used twice", f)
		}
		seen[f] = true
	}

	t.Run("stable when lines move", func(t *testing.T) {
		r := sample.Report()
		for i := range r.Components {
			c := &r.Components[i]
			for j := range c.Findings {
				if c.Findings[j].Pos.Line == 0 {
					continue // whole-file findings stay whole-file
				}
				c.Findings[j].Pos.Line += 7
				c.Findings[j].Pos.Col += 2
			}
			for j := range c.Probes {
				c.Probes[j].Pos.Line += 7
				c.Probes[j].Message = "a different server error"
			}
		}
		// Moving lines may reorder results; the set must stay the same.
		got := fingerprints(t, r)
		want := slices.Clone(base)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("fingerprints changed when lines moved:\n got %v\nwant %v", got, want)
		}
	})
	t.Run("new when the message changes", func(t *testing.T) {
		r := sample.Report()
		r.ClusterFindings[0].Message += " (changed)"
		got := fingerprints(t, r)
		changed := 0
		for i := range got {
			if got[i] != base[i] {
				changed++
			}
		}
		if changed != 1 {
			t.Errorf("want exactly one changed fingerprint, got %d", changed)
		}
	})
}

func TestRegion(t *testing.T) {
	tests := []struct {
		name            string
		pos             report.Position
		endLine, endCol int
		want            region
	}{
		{"whole file", report.Position{File: "a", Line: 0, Col: 5}, 3, 4, region{StartLine: 1}},
		{"line only", report.Position{File: "a", Line: 4}, 0, 0, region{StartLine: 4}},
		{"negative column", report.Position{File: "a", Line: 4, Col: -3}, 0, 0, region{StartLine: 4}},
		{"span", report.Position{File: "a", Line: 4, Col: 2}, 4, 9, region{StartLine: 4, StartColumn: 2, EndLine: 4, EndColumn: 9}},
		{"end column alone", report.Position{File: "a", Line: 4, Col: 2}, 0, 9, region{StartLine: 4, StartColumn: 2, EndLine: 4, EndColumn: 9}},
		{"end before start", report.Position{File: "a", Line: 4, Col: 2}, 3, 9, region{StartLine: 4, StartColumn: 2}},
		{"empty span", report.Position{File: "a", Line: 4, Col: 9}, 4, 9, region{StartLine: 4, StartColumn: 9, EndLine: 4}},
		{"multi-line", report.Position{File: "a", Line: 4, Col: 9}, 6, 1, region{StartLine: 4, StartColumn: 9, EndLine: 6, EndColumn: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := *regionFor(report.Range{Start: tt.pos, End: report.Position{Line: tt.endLine, Col: tt.endCol}}); got != tt.want {
				t.Errorf("regionFor = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestURIEscaping(t *testing.T) {
	out := string(writeSARIF(t, hostileReport(), sampleOptions()))
	if !strings.Contains(out, `"uri": "odd%20dir/a:b%2520.toml"`) {
		t.Errorf("path with space, colon and percent not escaped as a URI reference:\n%s", out)
	}
	// The action's container mount is no path a viewer on the host could
	// use: SRCROOT is described, not given.
	if strings.Contains(out, "file:///github/workspace") || !strings.Contains(out, `"originalUriBaseIds"`) {
		t.Errorf("originalUriBaseIds missing, or naming the container path")
	}
	o := sampleOptions()
	o.WorkspaceRoot = "/home/runner/work/cluster"
	if out := string(writeSARIF(t, hostileReport(), o)); !strings.Contains(out, `"uri": "file:///home/runner/work/cluster/"`) {
		t.Errorf("originalUriBaseIds does not give a host checkout")
	}
}

// groupedReport is the sample with one grouped cross-file finding.
func groupedReport() *report.Report {
	r := sample.Report()
	dir := sample.Workspace + "/deploy/"
	r.ClusterFindings = append(r.ClusterFindings, report.Finding{
		Rule: "port-clash", Severity: report.Warning, Key: "http.addr",
		Message: "http.addr clashes with http.addr in a.toml and 1 more: 3 servers bind port 4000",
		Pos:     report.Position{File: dir + "c.toml", Line: 3, Col: 1},
		Related: []report.Related{
			{Position: report.Position{File: dir + "a.toml", Line: 2, Col: 1}, Key: "http.addr", Message: "http.addr binds port 4000 too"},
			{Position: report.Position{File: dir + "b.toml"}, Key: "http.addr", Message: "http.addr (default) binds port 4000 too"},
			{Position: report.Position{File: "/elsewhere/d.toml", Line: 1}, Message: "outside the checkout"},
		},
	})
	return r
}

// TestRelatedLocations checks a grouped finding's other places become
// relatedLocations, numbered, with a region and a message.
func TestRelatedLocations(t *testing.T) {
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID           string `json:"ruleId"`
				RelatedLocations []struct {
					ID               int `json:"id"`
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
					Message struct {
						Text string `json:"text"`
					} `json:"message"`
				} `json:"relatedLocations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(writeSARIF(t, groupedReport(), sampleOptions()), &log); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, res := range log.Runs[0].Results {
		if res.RuleID != "port-clash" || len(res.RelatedLocations) == 0 {
			continue
		}
		found = true
		rl := res.RelatedLocations
		if len(rl) != 3 || rl[2].PhysicalLocation.ArtifactLocation.URI != "file:///elsewhere/d.toml" {
			t.Fatalf("want 3 related places, the last outside the checkout, got %+v", rl)
		}
		if rl[0].ID != 1 || rl[1].ID != 2 || rl[0].PhysicalLocation.ArtifactLocation.URI != "deploy/a.toml" ||
			rl[0].PhysicalLocation.Region.StartLine != 2 || rl[1].PhysicalLocation.Region.StartLine != 1 ||
			rl[1].Message.Text != "http.addr (default) binds port 4000 too" {
			t.Errorf("related locations: %+v", rl)
		}
	}
	if !found {
		t.Error("no port-clash result with related locations")
	}
}
