// Package sample builds the one report that the output writers' tests share,
// so that the SARIF, annotation, summary and Markdown goldens describe the
// same run. It is a test fixture and nothing in the binary imports it.
package sample

import (
	"path"
	"time"

	"github.com/stepstone-dev/stepstone/report"
)

// Workspace is where the sample configs live, as GitHub mounts the checkout
// into a Docker action.
const Workspace = "/github/workspace"

// Started is the fixed start time of the sample run.
var Started = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// Rules lists the rules of the sample run, one of them about secrets.
func Rules() []report.Rule {
	return []report.Rule{
		{ID: "etcd-single-endpoint", Severity: report.Warning,
			Summary: "metasrv depends on a single etcd endpoint",
			Help:    "list every etcd member in store_addrs so that metasrv survives losing one"},
		{ID: "http-timeout-unit", Severity: report.Error,
			Summary: "a duration has no unit",
			Help:    `write durations with a unit, such as "30s"`},
		{ID: "logging-not-configured", Severity: report.Info,
			Summary: "no [logging] section",
			Help:    "add a [logging] section with dir or otlp_endpoint to keep logs after a restart"},
		{ID: "metasrv-addrs-match", Severity: report.Warning,
			Summary: "datanodes look for metasrv where it does not listen",
			Help:    "make meta_client.metasrv_addrs name the address in metasrv's grpc.server_addr"},
		{ID: "plaintext-secret", Severity: report.Error,
			Summary:  "a secret is written in the config",
			Help:     "remove the value and set it through GREPTIMEDB_<COMPONENT>__<KEY> from a secret store",
			URL:      "https://docs.greptime.com/user-guide/deployments-administration/configuration#environment-variable",
			Security: true},
		{ID: "wal-dir-in-tmp", Severity: report.Warning,
			Summary: "the WAL is kept under /tmp",
			Help:    "move wal.dir to a persistent volume"},
		{ID: "data-home-default", Severity: report.Info,
			Summary: "data_home is left at its default",
			Help:    "set data_home to the mount point of the data volume"},
	}
}

// Report returns a realistic run over deploy/metasrv.toml and
// deploy/datanode.toml: findings of every severity (one whole-file, one
// security, one cluster-wide), a failed, a warned, a skipped and passing probes, and a probe
// with benchmark metrics.
func Report() *report.Report {
	metasrv := path.Join(Workspace, "deploy/metasrv.toml")
	datanode := path.Join(Workspace, "deploy/datanode.toml")
	r := &report.Report{
		Tool:    "stepstone",
		Version: "1.2.3",
		Command: "run",
		Started: Started,
		FailOn:  report.Error,
		Rules:   Rules(),
		// A cross-file finding, placed on the datanode line it is about.
		ClusterFindings: []report.Finding{
			{Rule: "metasrv-addrs-match", Severity: report.Warning,
				Message: `meta_client.metasrv_addrs names "metasrv-0:3002" but metasrv listens on "metasrv-0:3003"`,
				Key:     "meta_client.metasrv_addrs", Pos: report.Position{File: datanode, Line: 8, Col: 18},
				EndLine: 8, EndCol: 36},
		},
		Components: []report.ComponentReport{
			{
				Component:  "metasrv",
				ConfigFile: metasrv,
				Timestamp:  Started,
				Duration:   1612 * time.Millisecond,
				Findings: []report.Finding{
					{Rule: "etcd-single-endpoint", Severity: report.Warning,
						Message: `store_addrs has one endpoint ("etcd.greptime.svc:2379"), so metasrv stops when it is down`,
						Key:     "store_addrs", Pos: report.Position{File: metasrv, Line: 12, Col: 15},
						EndLine: 12, EndCol: 41},
					{Rule: "logging-not-configured", Severity: report.Info,
						Message: "logging is not configured, so logs go to stdout only",
						Key:     "logging", Pos: report.Position{File: metasrv}},
				},
				Probes: []report.ProbeResult{
					{Name: "etcd etcd.greptime.svc:2379", Status: report.Fail, Class: "refused",
						Message:    "dial tcp 10.0.3.7:2379: connect: connection refused",
						Suggestion: "check that etcd is running and that metasrv can reach port 2379",
						Duration:   1503 * time.Millisecond,
						Key:        "store_addrs", Pos: report.Position{File: metasrv, Line: 12, Col: 16}},
					{Name: "bind grpc.bind_addr 0.0.0.0:3002", Status: report.Pass,
						Message:  "address is free",
						Duration: 2 * time.Millisecond,
						Key:      "grpc.bind_addr", Pos: report.Position{File: metasrv, Line: 4, Col: 13}},
				},
			},
			{
				Component:  "datanode",
				ConfigFile: datanode,
				Timestamp:  Started,
				Duration:   3250 * time.Millisecond,
				Findings: []report.Finding{
					{Rule: "data-home-default", Severity: report.Info,
						Message: `data_home is the default "./greptimedb_data"`,
						Key:     "data_home", Pos: report.Position{File: datanode, Line: 3, Col: 1}},
					{Rule: "http-timeout-unit", Severity: report.Error,
						Message:    `http.timeout is "30" but needs a unit, such as "30s"`,
						Suggestion: `write timeout = "30s"`,
						Key:        "http.timeout", Pos: report.Position{File: datanode, Line: 19, Col: 11},
						EndLine: 19, EndCol: 15},
					{Rule: "wal-dir-in-tmp", Severity: report.Warning,
						Message: `wal.dir is "/tmp/greptimedb/wal", which is emptied on reboot`,
						Key:     "wal.dir", Pos: report.Position{File: datanode, Line: 30, Col: 7}},
					{Rule: "plaintext-secret", Severity: report.Error,
						Message: "storage.secret_access_key holds a plain-text secret",
						Key:     "storage.secret_access_key", Pos: report.Position{File: datanode, Line: 45, Col: 21},
						EndLine: 45, EndCol: 63},
				},
				Probes: []report.ProbeResult{
					{Name: "s3 minio.internal:9000/greptime", Status: report.Pass,
						Message:  "bucket is writable",
						Duration: 2310 * time.Millisecond,
						Key:      "storage.endpoint", Pos: report.Position{File: datanode, Line: 43, Col: 12},
						Metrics: []report.Metric{
							{Name: "put_latency_p50", Value: 23.4, Unit: "ms"},
							{Name: "put_latency_p99", Value: 88.1, Unit: "ms"},
							{Name: "throughput", Value: 41.75, Unit: "MiB/s"},
						}},
					{Name: "kafka kafka-0.kafka:9092", Status: report.Warn, Class: "timeout",
						Message:  "metadata request took 2.1s, over the 1s warning threshold",
						Duration: 2104 * time.Millisecond,
						Key:      "wal.broker_endpoints", Pos: report.Position{File: datanode, Line: 33, Col: 20}},
					{Name: "postgres", Status: report.Skip,
						Message: "no postgres backend configured"},
				},
			},
		},
	}
	// Findings come sorted, as run.Run returns them: the writers print
	// them in the order they are given.
	for i := range r.Components {
		r.Components[i].Findings = report.SortFindings(r.Components[i].Findings)
	}
	r.ClusterFindings = report.SortFindings(r.ClusterFindings)
	return r
}
