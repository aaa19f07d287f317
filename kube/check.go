package kube

import (
	"context"
	"encoding/base64"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/internal/redact"
	"github.com/stepstone-dev/stepstone/report"
	"github.com/stepstone-dev/stepstone/run"
)

// Options say how clusters are checked.
type Options struct {
	// Run says how the configs are checked (live or not, timeouts,
	// deadline, values); Check adds the resource rules and turns on
	// cluster rules for every cluster.
	Run run.Options
	// Prefix names each component report after its cluster (and its
	// namespace, when two clusters share a name), for runs over
	// more than one.
	Prefix bool
	// InCluster says the checks run inside the cluster (the Job).
	InCluster bool
	// NodeAddr, when set, says where a component's running nodes are
	// reached instead of its Service (tests: a stand-in node).
	NodeAddr func(c *Cluster, comp Component) string
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
	var secrets []string
	named := map[string]int{}
	for _, c := range clusters {
		named[c.Name]++
	}
	for i, c := range clusters {
		prefix := ""
		switch {
		case !opts.Prefix:
		case named[c.Name] > 1 && c.Namespace != "":
			// Under -A two namespaces may hold clusters of one name:
			// their reports (and metric labels) must not merge.
			prefix = c.Namespace + "/" + c.Name + "/"
		default:
			prefix = c.Name + "/"
		}
		us, resource, err := clusterUnits(c, opts, i, prefix)
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
	// The resource reports go through run.Run too, so that their findings
	// are suppressed as the configs' are: comments in the manifest,
	// .stepstone.toml, and the resource's ignore annotation.
	for _, p := range parts {
		ro.Resources = append(ro.Resources, p.c.resource(p.resource))
	}
	r := run.Run(ctx, units, ro)
	// The resource report of each cluster comes before its components.
	resources, comps := r.Components[:len(parts)], r.Components[len(parts):]
	r.Components = nil
	for i, p := range parts {
		res := resources[i]
		res.Probes = p.c.Access
		r.Components = append(r.Components, res)
		r.Components = append(r.Components, comps[:p.units]...)
		comps = comps[p.units:]
	}
	// The values of the clusters' Secrets are masked wherever they appear
	// whole, the resource reports included.
	run.MaskReport(r, redact.NewExact(secrets...).String)
	return &Result{Report: r, Files: files}, nil
}

// clusterUnits returns the run units of one cluster's components and the
// report about the resource itself.
func clusterUnits(c *Cluster, opts Options, n int, prefix string) ([]run.Unit, report.ComponentReport, error) {
	started := time.Now()
	cfgs, err := c.Configs()
	if err != nil {
		return nil, report.ComponentReport{}, err
	}
	applyVersions(c, cfgs, opts.Run)
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
		// The pods' HTTP servers are reached through the Service.
		pcfg.File.NodeAddr = c.ServiceAddr(cfg.Component)
		if opts.NodeAddr != nil {
			pcfg.File.NodeAddr = opts.NodeAddr(c, cfg.Component)
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
		if cfg.User != nil && !cfg.User.Parsed() {
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
	userOnly := cfg.User != nil && !cfg.User.Parsed()
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
// hold, for the run's redactor to mask in every message:
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
	sort.Strings(out)
	return out
}
