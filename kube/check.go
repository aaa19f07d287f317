package kube

import (
	"context"
	"encoding/base64"
	"sort"
	"strings"
	"time"

	"github.com/stepstone-dev/stepstone/checks"
	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

// Options say how clusters are checked.
type Options struct {
	// Live runs the live probes from where stepstone runs; otherwise they
	// are reported as SKIP with SkipReason.
	Live       bool
	SkipReason string
	Probe      checks.ProbeOptions
	// Deadline bounds all probes together; 0 means no extra bound.
	Deadline time.Duration
	// Prefix names each component report after its cluster, for runs over
	// more than one.
	Prefix bool
	// Values fills each component report's effective values.
	Values bool
	// InCluster says the checks run inside the cluster (the Job).
	InCluster bool
	// Versions: the release, edition and placeholders configs are judged by.
	Versions VersionOptions
}

// Result is what checking clusters found, ready for a report.Report.
type Result struct {
	Components      []report.ComponentReport
	ClusterFindings []report.Finding
	// Files are the configs that were probed, for writers that mask
	// secrets.
	Files []*configs.File
}

// ResourceComponent is the component name of the report about the resource
// itself.
const ResourceComponent = "greptimedbcluster"

// Check checks every cluster: the resource rules, every component's merged
// config through checks.Lint, the cross-component rules, and, with
// opts.Live, the live probes.
func Check(ctx context.Context, clusters []*Cluster, opts Options) (*Result, error) {
	res := &Result{}
	for _, c := range clusters {
		if err := checkOne(ctx, c, opts, res); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func checkOne(ctx context.Context, c *Cluster, opts Options, res *Result) error {
	started := time.Now()
	cfgs, err := c.Configs()
	if err != nil {
		return err
	}
	applyVersions(c, cfgs, opts.Versions)
	prefix := ""
	if opts.Prefix {
		prefix = c.Name + "/"
	}
	resource := report.ComponentReport{
		Component:  prefix + ResourceComponent,
		ConfigFile: c.Source,
		Timestamp:  started,
		Findings:   checkResource(c, cfgs),
		Probes:     c.Access,
	}
	if c.remote {
		resource.ConfigFile = c.Ref()
	}
	resource.Duration = time.Since(started)
	res.Components = append(res.Components, resource)
	resIdx := len(res.Components) - 1

	// Static: lint each merged config and move findings onto the manifest.
	comps := make([]report.ComponentReport, len(cfgs))
	var files []*configs.File
	for i, cfg := range cfgs {
		start := time.Now()
		comps[i] = report.ComponentReport{
			Component:  prefix + componentLabel(cfg.Component),
			ConfigFile: cfg.File.Path,
			Timestamp:  started,
			Findings:   lintConfig(cfg),
			GreptimeDB: versionInfo(cfg),
		}
		if opts.Values {
			comps[i].Values = cfg.Values()
		}
		comps[i].Duration = time.Since(start)
		files = append(files, cfg.File)
	}
	clusterFrom := len(res.ClusterFindings)
	for _, f := range checks.LintCluster(files) {
		for _, cfg := range cfgs {
			if cfg.File.Path == f.Pos.File {
				f = cfg.Remap(f)
				break
			}
		}
		res.ClusterFindings = append(res.ClusterFindings, f)
	}

	// Live: probe what the pods run with: the generated ConfigMap when it
	// was read, else the merged config.
	for _, cfg := range cfgs {
		if cm, ok := c.ConfigMaps[cfg.Component.ConfigMapName(c.Name)]; ok && cm.Found {
			if err := cfg.UseConfigMap(cm.Data); err != nil {
				c.Access = append(c.Access, report.ProbeResult{Name: "ConfigMap " + cm.Name, Status: report.Warn, Message: err.Error()})
			}
		}
	}
	files = files[:0]
	for _, cfg := range cfgs {
		files = append(files, cfg.File)
	}
	switch {
	case opts.Live:
		pctx := ctx
		if opts.Deadline > 0 {
			// The deadline bounds the probes; a benchmark gets its own
			// worst case on top, as for stepstone run.
			deadline := opts.Deadline + checks.EstimateBenchTime(files, opts.Probe)
			var cancel context.CancelFunc
			pctx, cancel = context.WithTimeout(ctx, deadline)
			defer cancel()
		}
		results := checks.RunProbes(pctx, files, opts.Probe)
		for i, cfg := range cfgs {
			for _, p := range results[i] {
				p = cfg.RemapProbe(p)
				if p.Status == report.Fail && (p.Class == checks.ClassDNS || p.Class == checks.ClassTimeout) && !opts.InCluster {
					// Service names resolve, and pod networks route, only
					// inside the cluster.
					p.Suggestion = strings.TrimPrefix(p.Suggestion+"; from outside the cluster, run with --in-cluster to check from the cluster's namespace", "; ")
				}
				comps[i].Probes = append(comps[i].Probes, p)
				comps[i].Duration += p.Duration
			}
		}
	case opts.SkipReason != "":
		for i := range comps {
			comps[i].Probes = []report.ProbeResult{{Name: "live checks", Status: report.Skip, Message: opts.SkipReason}}
		}
	}
	res.Components[resIdx].Probes = c.Access
	res.Components = append(res.Components, comps...)
	sc := scrubber(c.secretValues())
	for i := resIdx; i < len(res.Components); i++ {
		sc.report(&res.Components[i])
	}
	for i := clusterFrom; i < len(res.ClusterFindings); i++ {
		sc.finding(&res.ClusterFindings[i])
	}
	res.Files = append(res.Files, files...)
	return nil
}

// componentLabel names a component report: the GreptimeDB component, and
// the group.
func componentLabel(comp Component) string {
	if comp.Group != "" {
		return string(comp.Kind) + "/" + comp.Group
	}
	return string(comp.Kind)
}

// Rules whose findings on generated keys say nothing the user can change:
// the operator writes those keys whatever the resource says.
var operatorKeyRules = map[string]bool{
	"unknown-key":         true,
	"key-not-for-type":    true,
	"plaintext-secret":    true, // crd-credentials-in-configmap says it for the resource
	"deprecated-key":      true,
	"other-component-key": true,
}

// lintConfig lints one component: the user config alone when it does not
// parse (the operator rejects it), else the merged config.
func lintConfig(cfg *Config) []report.Finding {
	if cfg.User != nil && cfg.User.Tree == nil {
		var out []report.Finding
		for _, f := range checks.Lint(cfg.User, cfg.Env) {
			out = append(out, cfg.Remap(f))
		}
		return out
	}
	var out []report.Finding
	for _, f := range checks.Lint(cfg.File, cfg.Env) {
		kind, _ := cfg.keyOrigin(f.Key)
		if (kind == "generated" || kind == "runtime") && operatorKeyRules[f.Rule] {
			continue
		}
		out = append(out, cfg.Remap(f))
	}
	return report.SortFindings(out)
}

// secretKeys are the Secret keys that hold credentials (not names or ids).
var secretKeys = map[string]bool{
	"password": true, "secret-access-key": true, "access-key-secret": true,
	"account-key": true, "service-account-key": true, "tls.key": true,
}

// secretValues lists the credentials the cluster's Secrets and resource
// hold, longest first, so that they can be scrubbed from every message:
// they end up inside store_addrs and storage keys, where a parser that
// misreads them (a "#" in a password) could otherwise print them.
func (c *Cluster) secretValues() []string {
	seen := map[string]bool{}
	add := func(s string) {
		if len(s) >= 3 && !strings.HasPrefix(s, "<Secret ") {
			seen[s] = true
		}
	}
	kafkaKey := c.str("spec.wal.kafka.sasl.secretRef.passwordKey")
	kafkaSecret := c.str("spec.wal.kafka.sasl.secretRef.name")
	for name, s := range c.Secrets {
		if s.State != SecretFound {
			continue
		}
		for k, v := range s.Data {
			if secretKeys[k] || (name == kafkaSecret && k == kafkaKey) {
				add(string(v))
				if k == "service-account-key" {
					add(base64.StdEncoding.EncodeToString(v))
				}
			}
		}
	}
	add(c.str("spec.wal.kafka.sasl.password"))
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// scrubber replaces every secret value in s with "****".
type scrubber []string

func (sc scrubber) str(s string) string {
	for _, v := range sc {
		s = strings.ReplaceAll(s, v, "****")
	}
	return s
}

// report scrubs a component report in place.
func (sc scrubber) report(r *report.ComponentReport) {
	if len(sc) == 0 {
		return
	}
	for i := range r.Findings {
		sc.finding(&r.Findings[i])
	}
	for i := range r.Probes {
		p := &r.Probes[i]
		p.Name, p.Message, p.Suggestion = sc.str(p.Name), sc.str(p.Message), sc.str(p.Suggestion)
	}
	for i := range r.Values {
		r.Values[i].Value = sc.str(r.Values[i].Value)
	}
}

func (sc scrubber) finding(f *report.Finding) {
	f.Message, f.Suggestion = sc.str(f.Message), sc.str(f.Suggestion)
}
