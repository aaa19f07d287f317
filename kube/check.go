package kube

import (
	"context"
	"encoding/base64"
	"fmt"
	"github.com/stepstone-dev/stepstone/internal/redact"
	"sort"
	"strings"
	"time"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
	"github.com/stepstone-dev/stepstone/run"
)

// Options say how clusters are checked.
type Options struct {
	// Run says how the configs are checked (live or not, timeouts,
	// deadline, values); Check adds the resource rules and turns on
	// cluster rules for every cluster.
	Run run.Options
	// Prefix names each component report after its cluster, for runs over
	// more than one.
	Prefix bool
	// InCluster says the checks run inside the cluster (the Job).
	InCluster bool
}

// Result is what checking clusters found.
type Result struct {
	*report.Report
	// Files are the configs that were probed, for writers that mask
	// secrets.
	Files []*configs.File
}

// ResourceComponent is the component name of the report about the resource
// itself.
const ResourceComponent = "greptimedbcluster"

// Check checks every cluster: the resource rules, then, through run.Run,
// every component's merged config, the cross-component rules and, with
// opts.Run.Live, the live probes.
func Check(ctx context.Context, clusters []*Cluster, opts Options) (*Result, error) {
	type part struct {
		c        *Cluster
		resource report.ComponentReport
		units    int
	}
	var parts []part
	var units []run.Unit
	var files []*configs.File
	var secrets scrubber
	for i, c := range clusters {
		us, resource, err := clusterUnits(c, opts, i)
		if err != nil {
			return nil, err
		}
		parts = append(parts, part{c, resource, len(us)})
		units = append(units, us...)
		for _, u := range us {
			files = append(files, u.ProbeFile)
		}
		secrets = append(secrets, c.secretValues()...)
	}
	ro := opts.Run
	ro.Rules = append(ro.Rules, Rules()...)
	ro.LoneGroups = true
	ro.Fixes, ro.Suppress = true, true
	r := run.Run(ctx, units, ro)
	// The resource report of each cluster comes before its components.
	comps := r.Components
	r.Components = nil
	for _, p := range parts {
		p.resource.Probes = p.c.Access
		r.Components = append(r.Components, p.resource)
		r.Components = append(r.Components, comps[:p.units]...)
		comps = comps[p.units:]
	}
	sort.Slice(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
	for i := range r.Components {
		secrets.report(&r.Components[i])
	}
	for i := range r.ClusterFindings {
		secrets.finding(&r.ClusterFindings[i])
	}
	return &Result{Report: r, Files: files}, nil
}

// clusterUnits returns the run units of one cluster's components and the
// report about the resource itself.
func clusterUnits(c *Cluster, opts Options, n int) ([]run.Unit, report.ComponentReport, error) {
	started := time.Now()
	cfgs, err := c.Configs()
	if err != nil {
		return nil, report.ComponentReport{}, err
	}
	applyVersions(c, cfgs, opts.Run)
	prefix := ""
	if opts.Prefix {
		prefix = c.Name + "/"
	}
	resource := report.ComponentReport{
		Component:  prefix + ResourceComponent,
		ConfigFile: c.Source,
		Timestamp:  started,
		Findings:   checkResource(c, cfgs),
	}
	run.SortComponent(&resource)
	if c.remote {
		resource.ConfigFile = c.Ref()
	}
	resource.Duration = time.Since(started)

	group := fmt.Sprintf("%d/%s", n, c.Name)
	var units []run.Unit
	for _, cfg := range cfgs {
		// Live checks probe what the pods run with: the generated
		// ConfigMap when it was read, else the merged config. The rules
		// read the merged config.
		pcfg := *cfg
		if cm, ok := c.ConfigMaps[cfg.Component.ConfigMapName(c.Name)]; ok && cm.Found {
			if err := pcfg.UseConfigMap(cm.Data); err != nil {
				c.Access = append(c.Access, report.ProbeResult{Name: "ConfigMap " + cm.Name, Status: report.Warn, Message: err.Error()})
			}
		}
		u := run.Unit{
			File: cfg.File, ProbeFile: pcfg.File, Env: cfg.Env, Group: group,
			Label:   prefix + componentLabel(cfg.Component),
			Values:  cfg.Values,
			Finding: lintFilter(cfg),
			Texts:   c.texts,
			Probe: func(p report.ProbeResult) report.ProbeResult {
				p = pcfg.RemapProbe(p)
				if p.Status == report.Fail && (p.Class == report.ClassDNS || p.Class == report.ClassTimeout) && !opts.InCluster {
					// Service names resolve, and pod networks route, only
					// inside the cluster.
					p.Suggestion = strings.TrimPrefix(p.Suggestion+"; from outside the cluster, run with --in-cluster to check from the cluster's namespace", "; ")
				}
				return p
			},
		}
		if cfg.User != nil && cfg.User.Tree == nil {
			u.LintFile = cfg.User
		}
		units = append(units, u)
	}
	return units, resource, nil
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

// lintFilter moves findings onto the manifest. When the user config does
// not parse (the operator rejects it), it alone is linted; otherwise the
// merged config is, and findings on keys the operator writes whatever the
// resource says are dropped.
func lintFilter(cfg *Config) func(report.Finding) (report.Finding, bool) {
	userOnly := cfg.User != nil && cfg.User.Tree == nil
	return func(f report.Finding) (report.Finding, bool) {
		if !userOnly {
			kind, _ := cfg.keyOrigin(f.Key)
			if (kind == "generated" || kind == "runtime") && operatorKeyRules[f.Rule] {
				return f, false
			}
		}
		return cfg.Remap(f), true
	}
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

// scrubber masks the values of a cluster's Secrets wherever they appear
// whole (redact.Exact).
type scrubber []string

// report scrubs a component report in place.
func (sc scrubber) report(r *report.ComponentReport) {
	if len(sc) == 0 {
		return
	}
	mask := redact.NewExact(sc...)
	for i := range r.Findings {
		scrubFinding(&r.Findings[i], mask)
	}
	for i := range r.Probes {
		p := &r.Probes[i]
		p.Name, p.Message, p.Suggestion = mask.String(p.Name), mask.String(p.Message), mask.String(p.Suggestion)
	}
	for i := range r.Values {
		r.Values[i].Value = mask.String(r.Values[i].Value)
	}
}

func (sc scrubber) finding(f *report.Finding) { scrubFinding(f, redact.NewExact(sc...)) }

func scrubFinding(f *report.Finding, mask redact.Exact) {
	f.Message, f.Suggestion = mask.String(f.Message), mask.String(f.Suggestion)
}
