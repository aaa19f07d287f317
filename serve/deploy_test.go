package serve

import (
	"context"
	"encoding/json"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql/parser"
	"sigs.k8s.io/yaml"

	fixture "github.com/stepstone-dev/stepstone/internal/sample"
	"github.com/stepstone-dev/stepstone/report"
)

// targetLabels are added by Prometheus to every scraped series (job,
// instance) or by `serve --label` (cluster, which the dashboard groups by).
var targetLabels = map[string]bool{"job": true, "instance": true, "cluster": true, "__name__": true}

// exported runs a Server once on the shared sample report plus a
// benchmark and returns every family it exports with its label names.
func exported(t *testing.T) map[string]map[string]bool {
	t.Helper()
	r := fixture.Report()
	r.Components[1].Probes = append(r.Components[1].Probes, report.ProbeResult{
		Name: "s3 bucket benchmark", Status: report.Pass, Duration: time.Second,
		Metrics: []report.Metric{
			{Name: "bench.put.1KiB.latency.p99", Value: 0.01, Unit: "seconds"},
			{Name: "bench.get.1KiB.latency.ttfb_p50", Value: 0.001, Unit: "seconds"},
			{Name: "bench.put.1KiB.throughput.mib_per_s", Value: 12, Unit: "MiB/s"},
			{Name: "bench.put.1KiB.throughput.ops_per_s", Value: 1200, Unit: "ops/s"},
			{Name: "bench.put.1KiB.throughput.samples", Value: 100, Unit: "count"},
			{Name: "bench.put.1KiB.throughput.errors", Value: 0, Unit: "count"},
			{Name: "bench.put.1KiB.load.target_ops_per_s", Value: 100, Unit: "ops/s"},
			{Name: "bench.put.1KiB.load.target_ratio", Value: 1, Unit: "ratio"},
			{Name: "bench.total.all.run.requests", Value: 300, Unit: "count"},
			{Name: "bench.total.all.run.bytes", Value: 3e5, Unit: "bytes"},
			{Name: "bench.put.1KiB.throughput.mib_per_s.change", Value: -3, Unit: "%"},
		},
	})
	s, err := New(Options{Run: func(context.Context) (*report.Report, error) { return r, nil },
		Interval: time.Minute, Deadline: time.Minute, ConstLabels: map[string]string{"cluster": "c"}})
	if err != nil {
		t.Fatal(err)
	}
	s.RunOnce(context.Background(), "test")
	fams, err := s.metrics.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]bool{}
	for _, f := range fams {
		names := map[string]bool{}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				names[l.GetName()] = true
			}
		}
		out[f.GetName()] = names
	}
	// Every family of the text file is exported by serve too.
	for _, f := range report.PromFamilies {
		if out[f.Name] == nil {
			t.Errorf("serve does not export %s, which the text file has", f.Name)
		}
	}
	return out
}

// TestDeployQueriesNameServeMetrics parses every PromQL expression in the
// Grafana dashboard and the alert rules with Prometheus's own parser, and
// checks that each names only metrics serve exports, with labels those
// metrics have.
func TestDeployQueriesNameServeMetrics(t *testing.T) {
	metrics := exported(t)
	exprs := map[string]string{}
	for where, e := range dashboardExprs(t, "../deploy/grafana/stepstone.json") {
		exprs[where] = e
	}
	for where, e := range ruleExprs(t, "../deploy/prometheus/alerts.yaml") {
		exprs[where] = e
	}
	if len(exprs) < 10 {
		t.Fatalf("only %d expressions found", len(exprs))
	}
	keys := make([]string, 0, len(exprs))
	for k := range exprs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, where := range keys {
		expr, err := parser.ParseExpr(grafanaVars(exprs[where]))
		if err != nil {
			t.Errorf("%s: %v\n%s", where, err, exprs[where])
			continue
		}
		selectors := 0
		parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
			vs, ok := n.(*parser.VectorSelector)
			if !ok {
				return nil
			}
			selectors++
			labels, ok := metrics[vs.Name]
			if !ok {
				t.Errorf("%s: %s is not a metric serve exports", where, vs.Name)
				return nil
			}
			for _, m := range vs.LabelMatchers {
				if !labels[m.Name] && !targetLabels[m.Name] {
					t.Errorf("%s: %s has no label %q", where, vs.Name, m.Name)
				}
			}
			return nil
		})
		if selectors == 0 {
			t.Errorf("%s names no metric: %s", where, exprs[where])
		}
	}
	// The drift gauge is declared now, for the dashboard and the alert.
	if metrics[DriftMetric] == nil {
		t.Errorf("%s is not exported", DriftMetric)
	}
}

// grafanaVars replaces the dashboard's variables with values PromQL
// accepts: durations for the interval variables; the others stand inside
// label matchers' strings already.
func grafanaVars(s string) string {
	return strings.NewReplacer("$__rate_interval", "5m", "$__interval", "1m", "$__range", "1h").Replace(s)
}

var labelValuesQuery = regexp.MustCompile(`^label_values\((.+),\s*\w+\)$`)

// dashboardExprs returns every panel target's expr and the metric selector
// inside each label_values() variable query, keyed by where they are.
func dashboardExprs(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				RefID string `json:"refId"`
				Expr  string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Name  string          `json:"name"`
				Type  string          `json:"type"`
				Query json.RawMessage `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := map[string]string{}
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			if tg.Expr == "" {
				t.Errorf("%s: panel %q target %s has no expr", path, p.Title, tg.RefID)
			}
			out["dashboard panel "+p.Title+" "+tg.RefID] = tg.Expr
		}
	}
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		var q struct {
			Query string `json:"query"`
		}
		if err := json.Unmarshal(v.Query, &q); err != nil {
			t.Fatalf("%s: variable %s: %v", path, v.Name, err)
		}
		m := labelValuesQuery.FindStringSubmatch(q.Query)
		if m == nil {
			t.Errorf("%s: variable %s: %q is not label_values(SELECTOR, LABEL)", path, v.Name, q.Query)
			continue
		}
		out["dashboard variable "+v.Name] = m[1]
	}
	return out
}

// ruleExprs returns every rule's expr.
func ruleExprs(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Groups []struct {
			Rules []struct {
				Alert string `json:"alert"`
				Expr  string `json:"expr"`
			} `json:"rules"`
		} `json:"groups"`
	}
	if err := yaml.Unmarshal(data, &f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := map[string]string{}
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			out["alert "+r.Alert] = r.Expr
		}
	}
	return out
}
