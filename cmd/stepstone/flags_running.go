package main

import (
	"github.com/urfave/cli/v2"

	"github.com/stepstone-dev/stepstone/checks"
)

// runningFlags are the live-check flags about the running cluster: the
// Kafka round trip and the nodes' health, version and config drift.
func runningFlags(hidden bool) []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "kafka-roundtrip", EnvVars: envVar("kafka-roundtrip"), Hidden: hidden,
			Usage: "with a Kafka WAL: create a test topic __stepstone_<run-id>, produce and consume one record, delete it (off with --read-only)"},
		&cli.BoolFlag{Name: "nodes", EnvVars: envVar("nodes"), Hidden: hidden,
			Usage: "check the running node at each config's http.addr: /health, /status version and /config drift (run does this by itself when a node answers)"},
		&cli.BoolFlag{Name: "fail-on-drift", EnvVars: envVar("fail-on-drift"), Hidden: hidden,
			Usage: "config drift of a running node fails the run instead of warning"},
		&cli.StringFlag{Name: "greptimedb-version", EnvVars: envVar("greptimedb-version"), Hidden: hidden,
			Usage: "the GreptimeDB `VERSION` the nodes should run; a node running another one is a warning"},
	}
}

// runningOptions are the parsed runningFlags.
type runningOptions struct {
	kafkaRoundTrip, nodes, failOnDrift bool
	version                            string
}

func parseRunningOptions(c *cli.Context) runningOptions {
	return runningOptions{
		kafkaRoundTrip: c.Bool("kafka-roundtrip"), nodes: c.Bool("nodes"),
		failOnDrift: c.Bool("fail-on-drift"), version: c.String("greptimedb-version"),
	}
}

// apply sets the probe options; `run` looks at running nodes by itself
// and skips the ones that do not answer.
func (r runningOptions) apply(p *checks.ProbeOptions, command string) {
	p.KafkaRoundTrip = r.kafkaRoundTrip
	p.Nodes = r.nodes
	p.NodesAuto = command == "run"
	p.FailOnDrift = r.failOnDrift
	p.GreptimeDBVersion = r.version
}
