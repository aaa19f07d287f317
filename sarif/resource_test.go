package sarif

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stepstone-dev/stepstone/report"
)

// A finding on a GreptimeDBCluster read from the API server has no file: it
// gets a logical location naming the resource, the field and the line in
// the config string, never an invented file at line 1; a manifest file
// keeps its physical location. Both are valid SARIF.
func TestLiveResourceLogicalLocation(t *testing.T) {
	r := &report.Report{Tool: "stepstone", Version: "test", FailOn: report.Error, Components: []report.ComponentReport{{
		Component: "datanode", ConfigFile: "greptimedbcluster/demo -n prod",
		Findings: []report.Finding{
			{Rule: "unknown-key", Severity: report.Error, Key: "storage.bukcet", Message: "unknown key",
				Pos: report.Position{File: "greptimedbcluster/demo -n prod spec.datanode.config", Line: 3, Col: 1}},
			{Rule: "unknown-key", Severity: report.Error, Key: "x", Message: "unknown key",
				Pos: report.Position{File: "/work/deploy/cluster.yaml", Line: 7, Col: 3}},
		},
		Probes: []report.ProbeResult{{Name: "etcd 10.0.0.1:2379", Status: report.Fail, Class: "refused", Message: "refused"}},
	}}}
	var buf bytes.Buffer
	if err := Write(&buf, r, Options{WorkspaceRoot: "/work"}); err != nil {
		t.Fatal(err)
	}
	if errs := validateSARIF(t, buf.Bytes()); len(errs) > 0 {
		t.Fatalf("not valid SARIF 2.1.0:\n%s", strings.Join(errs, "\n"))
	}
	var log struct {
		Runs []struct {
			Results []struct {
				Locations []struct {
					PhysicalLocation *struct {
						ArtifactLocation struct{ URI string } `json:"artifactLocation"`
					} `json:"physicalLocation"`
					LogicalLocations []struct {
						Name, FullyQualifiedName, Kind string
					} `json:"logicalLocations"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	var logical, physical []string
	for _, res := range log.Runs[0].Results {
		for _, l := range res.Locations {
			if l.PhysicalLocation != nil {
				physical = append(physical, l.PhysicalLocation.ArtifactLocation.URI)
			}
			for _, ll := range l.LogicalLocations {
				logical = append(logical, ll.Kind+" "+ll.FullyQualifiedName)
			}
		}
	}
	want := []string{
		"resource prod/greptimedbcluster/demo/spec.datanode.config:3:1",
		"resource prod/greptimedbcluster/demo",
	}
	if strings.Join(logical, "|") != strings.Join(want, "|") {
		t.Errorf("logical locations %q, want %q", logical, want)
	}
	if len(physical) != 1 || physical[0] != "deploy/cluster.yaml" {
		t.Errorf("physical locations %q, want only the manifest file", physical)
	}
}
