package run

import (
	"testing"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/probe"
)

// TestProbeOptionsCarryTheRunningChecks: the flags of the Kafka round
// trip and the node checks reach the probes.
func TestProbeOptionsCarryTheRunningChecks(t *testing.T) {
	v, err := configs.ParseVersion("v1.2.0-beta.2", "--greptimedb-version")
	if err != nil {
		t.Fatal(err)
	}
	o := Options{KafkaRoundTrip: true, Nodes: true, NodesAuto: true, FailOnDrift: true, GreptimeDBVersion: v, ReadOnly: true}
	p := o.probeOptions()
	if !p.KafkaRoundTrip || !p.Nodes || !p.NodesAuto || !p.FailOnDrift || p.GreptimeDBVersion != "v1.2.0-beta.2" || !p.ReadOnly {
		t.Errorf("probe options = %+v, want every running check of %+v", p, o)
	}
	if p.Timeout != probe.DefaultTimeout || p.RunID == "" {
		t.Errorf("probe options not normalised: timeout %s, run id %q", p.Timeout, p.RunID)
	}
}
