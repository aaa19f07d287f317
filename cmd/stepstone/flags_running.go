package main

import (
	"github.com/urfave/cli/v2"

	pipeline "github.com/stepstone-dev/stepstone/run"
)

// runningFlags are the live-check flags about the running cluster: the
// Kafka round trip and the nodes' health and config drift. The version
// the nodes should run is --greptimedb-version (flags.go).
func runningFlags(hidden bool) []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "kafka-roundtrip", EnvVars: envVar("kafka-roundtrip"), Hidden: hidden,
			Usage: "with a Kafka WAL: create a test topic __stepstone_<run-id>-until-<time>, produce and consume one record, delete it (off with --read-only)"},
		&cli.BoolFlag{Name: "nodes", EnvVars: envVar("nodes"), Hidden: hidden,
			Usage: "check the running node at each config's http.addr: /health, /status version and /config drift (run does this by itself when a node answers)"},
		&cli.BoolFlag{Name: "fail-on-drift", EnvVars: envVar("fail-on-drift"), Hidden: hidden,
			Usage: "config drift of a running node fails the run instead of warning"},
	}
}

// runningOptions are the parsed runningFlags.
type runningOptions struct {
	kafkaRoundTrip, nodes, failOnDrift bool
}

func parseRunningOptions(c *cli.Context) runningOptions {
	return runningOptions{
		kafkaRoundTrip: c.Bool("kafka-roundtrip"), nodes: c.Bool("nodes"),
		failOnDrift: c.Bool("fail-on-drift"),
	}
}

// apply sets the run options; `run` looks at running nodes by itself
// and skips the ones that do not answer.
func (r runningOptions) apply(ro *pipeline.Options, command string) {
	ro.KafkaRoundTrip = r.kafkaRoundTrip
	ro.Nodes = r.nodes
	ro.NodesAuto = command == "run"
	ro.FailOnDrift = r.failOnDrift
}
