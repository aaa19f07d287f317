// Package run is stepstone's pipeline, written once: lint every unit, lint
// the units of one cluster together, probe what they name within one
// deadline, and return one report with its findings sorted. The CLI and
// the Kubernetes plugin both hand their configs to Run as units.
package run

import (
	"context"
	"slices"
	"sort"
	"time"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/internal/parallel"
	"github.com/stepstone-dev/stepstone/internal/redact"
	"github.com/stepstone-dev/stepstone/lint"
	"github.com/stepstone-dev/stepstone/probe"
	"github.com/stepstone-dev/stepstone/report"
	"github.com/stepstone-dev/stepstone/suppress"
)

// PerfOptions say how the benchmarks of --include-performance run.
type PerfOptions = probe.PerfOptions

// Unit is one config to check, with what moves its findings to where the
// user wrote them.
type Unit struct {
	// File is the config: linted, compared by cluster rules and probed.
	// Its path names the component report.
	File *configs.File
	// LintFile, when set, is linted instead of File (kube: the user's own
	// config when it does not parse, since the operator rejects it).
	LintFile *configs.File
	// ProbeFile, when set, is probed instead of File (kube: the generated
	// ConfigMap the pods read).
	ProbeFile *configs.File
	// Env is the environment rules may consult (os.Environ form); it is
	// never printed.
	Env []string
	// Label names the component report; "" means File's component.
	Label string
	// Values are the effective values for Options.Values; nil means
	// configs.EffectiveValues(File).
	Values func() report.Values
	// Group names the cluster the unit belongs to: cluster rules compare
	// the units of one group. "" keeps the unit out of every comparison.
	Group string
	// Quiet units are only read by the cluster rules: they are not
	// linted, probed or reported (the Action's changed-only).
	Quiet bool
	// Finding moves a finding onto where the user wrote it (kube: into
	// the manifest's YAML) or drops it (false); nil keeps it as it is.
	Finding func(report.Finding) (report.Finding, bool)
	// Probe moves a probe result as Finding moves a finding.
	Probe func(report.ProbeResult) report.ProbeResult
	// Texts returns the texts stepstone:ignore comments are read from, by
	// the file name findings carry once moved (kube: the manifest); nil
	// means the linted config's own text.
	Texts func() map[string][]byte
}

// Resource is a component report made outside Run (kube: the findings of
// the GreptimeDBCluster resource rules). Run puts resources first in the
// report, in order, and suppresses and sorts their findings in the same
// pass as the units': a stepstone:ignore comment in a manifest is read,
// and counted as used, once.
type Resource struct {
	Report report.ComponentReport
	// Path is the file on disk the resource was read from, where the
	// .stepstone.toml that governs it is looked up; "" for none.
	Path string
	// Texts are the texts its stepstone:ignore comments are read from, by
	// the file name its findings carry.
	Texts map[string][]byte
	// Scoped are suppressions written on the resource itself (kube: its
	// stepstone.greptime.io/ignore annotation). They may cover the
	// findings of the units too.
	Scoped []Scoped
}

// Scoped is a list of suppressions written outside any config text (see
// suppress.Scoped); kube reaches the suppress package through run.
type Scoped = suppress.Scoped

// ParseSuppressions reads suppressions written one per line (or separated
// by ";"), "<rule-id>[,<rule-id>] <reason> [until=YYYY-MM-DD]", as an
// annotation holds them.
func ParseSuppressions(s string) []suppress.Directive { return suppress.ParseList(s) }

// Options say how Run checks.
type Options struct {
	// Command, Version and FailOn go into the report's header.
	Command, Version string
	FailOn           report.Severity
	// Rules are rules run outside lint (kube's resource rules), listed in
	// the report after lint's.
	Rules []report.Rule
	// Resources are reports made outside Run, put first in the report.
	Resources []Resource
	// Values fills each component report's effective values.
	Values bool
	// LoneGroups runs the cluster rules on a group of one unit too (a
	// GreptimeDBCluster is one cluster whatever it holds); otherwise a
	// group needs two units.
	LoneGroups bool

	// Live runs the live probes; otherwise, when SkipReason is set, each
	// component gets one SKIP result that gives it.
	Live       bool
	SkipReason string
	// Timeout bounds each probe; 0 means probe.DefaultTimeout.
	Timeout time.Duration
	// Deadline bounds all probes together (benchmarks get their own worst
	// case on top); 0 means no bound beyond the probes' own.
	Deadline time.Duration
	// ReadOnly, OnHost and RunID are probe.Options'.
	ReadOnly, OnHost bool
	RunID            string
	// KafkaRoundTrip, Nodes, NodesAuto and FailOnDrift are probe.Options':
	// the Kafka WAL round trip and the running nodes' checks.
	KafkaRoundTrip, Nodes, NodesAuto, FailOnDrift bool
	// Perf runs the benchmarks after the probes; nil runs none.
	Perf *PerfOptions
	// Fixes attaches to each finding the edit `stepstone fix` makes (the
	// JSON report's fix, SARIF's fixes[]).
	Fixes bool
	// Suppress applies stepstone:ignore comments and the nearest
	// .stepstone.toml: accepted findings move to each component's
	// Suppressed, and findings about the suppressions are added. Today
	// decides their expiry; zero means now.
	Suppress bool
	Today    time.Time
	// Progress, when set, hears what a long run does now (the CLI prints
	// it on a terminal).
	Progress func(msg string)

	// GreptimeDBVersion is the release configs are judged by, as the user
	// chose it (--greptimedb-version, resolved); nil means not chosen: the
	// newest stable release, or the release a file names itself (kube:
	// its image tag), which an explicit choice overrides.
	GreptimeDBVersion *configs.Version
	// Enterprise judges configs as an enterprise build reads them
	// (--edition enterprise).
	Enterprise bool
	// Placeholders are template placeholder patterns besides
	// configs.PlaceholderPattern (--placeholder).
	Placeholders []string
}

// Judge sets on f what o says it is judged by: the release (o's choice,
// else the release f names itself, else the newest stable one), the
// edition and the placeholder patterns. Run judges every unit; a caller
// that reads a file before Run (env overrides read the release's schema)
// judges it first. Judging twice changes nothing.
func (o Options) Judge(f *configs.File) {
	if f == nil {
		return
	}
	switch {
	case o.GreptimeDBVersion != nil:
		f.Version = o.GreptimeDBVersion
	case f.Version == nil:
		f.Version = configs.DefaultVersion()
	}
	f.Enterprise = f.Enterprise || o.Enterprise
	for _, p := range o.Placeholders {
		if !slices.Contains(f.Placeholders, p) {
			f.Placeholders = append(f.Placeholders, p)
		}
	}
}

// versionInfo is the report's record of the release f was judged by.
func versionInfo(f *configs.File) *report.GreptimeDBVersion {
	v := f.Version
	if v == nil {
		v = configs.DefaultVersion()
	}
	return &report.GreptimeDBVersion{Version: v.String(), Source: v.Source, Note: v.Note}
}

// Rules returns the metadata of every rule a run may report, in order:
// lint's, then the findings about suppressions.
func Rules() []report.Rule { return append(lint.AllRules(), suppress.Rules()...) }

// NewRunID returns a fresh run id (see probe.NewRunID).
func NewRunID() string { return probe.NewRunID() }

// timeout is --timeout normalised, the one place that is done.
func (o Options) timeout() time.Duration {
	if o.Timeout <= 0 {
		return probe.DefaultTimeout
	}
	return o.Timeout
}

// probeOptions turns o into the probes' options, with the timeout
// normalised.
func (o Options) probeOptions() probe.Options {
	p := probe.Options{
		Timeout: o.Timeout, ReadOnly: o.ReadOnly, OnHost: o.OnHost, RunID: o.RunID,
		KafkaRoundTrip: o.KafkaRoundTrip, Nodes: o.Nodes, NodesAuto: o.NodesAuto, FailOnDrift: o.FailOnDrift,
	}
	if o.GreptimeDBVersion != nil {
		// Running nodes are compared with the release the user named.
		p.GreptimeDBVersion = o.GreptimeDBVersion.Asked
	}
	p.Timeout = o.timeout()
	if p.RunID == "" {
		p.RunID = probe.NewRunID()
	}
	if o.Perf != nil {
		perf := *o.Perf
		if o.Progress != nil {
			perf.Progress = o.Progress
		}
		p.Perf = &perf
	}
	return p
}

// Run checks units and returns the report, its findings sorted. ctx
// interrupts the linting (units not yet linted are left out) and the
// probes; the report then says it was interrupted.
func Run(ctx context.Context, units []Unit, o Options) *report.Report {
	r := newReport(o)
	var shown []int
	for i, u := range units {
		o.Judge(u.File)
		o.Judge(u.LintFile)
		o.Judge(u.ProbeFile)
		if !u.Quiet {
			shown = append(shown, i)
		}
	}
	// A running node's own release judges its config (none chosen).
	judgeByNodes(ctx, units, shown, o)
	// Lint first: a table the rules report unusable is not probed.
	// Every core: each unit writes only its own slot.
	res := make([]linted, len(shown))
	parallel.For(ctx, len(shown), func(n int) { res[n] = lintUnit(units[shown[n]], o) })
	return finish(ctx, r, units, shown, res, func() *redact.Redactor { return NewRedactor(units) }, o)
}

// linted is what linting one unit gave.
type linted struct {
	// raw are the findings as lint gave them (the probes skip the
	// tables they call unusable); kept are those the unit keeps, moved.
	raw, kept []report.Finding
	values    report.Values
	took      time.Duration
	done      bool
}

// lintUnit lints one unit: the rules, the fixes, its effective values.
func lintUnit(u Unit, o Options) linted {
	start := time.Now()
	lf := u.lintFile()
	var l linted
	l.raw = lint.Lint(lf, u.Env)
	if o.Fixes {
		attachFixes(lf, l.raw)
	}
	if u.Finding == nil {
		// Nothing moves them: kept is raw (the probes read raw before
		// the report is masked, which writes kept's texts in place).
		l.kept = l.raw
	} else {
		l.kept = u.keep(append([]report.Finding(nil), l.raw...))
	}
	if o.Values {
		l.values = unitValues(u)
	}
	l.took = time.Since(start)
	l.done = true
	return l
}

// finish is Run after the units are linted (res[n] is units[shown[n]]'s):
// the probes, the component reports, the cross-file rules, the
// suppressions, one sort and the redaction by the redactor red returns.
func finish(ctx context.Context, r *report.Report, units []Unit, shown []int, res []linted, red func() *redact.Redactor, o Options) *report.Report {
	lintCut := ctx.Err() != nil
	if lintCut {
		// Interrupted while linting: the units not linted are left out.
		shown, res = keepLinted(shown, res)
	}
	raw := make([][]report.Finding, len(shown))
	for n := range res {
		raw[n] = res[n].raw
	}
	probes := runProbes(ctx, units, shown, raw, o)
	r.Components = slices.Grow(r.Components, len(shown))
	for n, i := range shown {
		u := units[i]
		start := time.Now()
		label := u.Label
		if label == "" {
			label = string(u.File.Component)
		}
		c := report.ComponentReport{
			Component: label, ConfigFile: u.File.Path, Timestamp: r.Started,
			Findings: res[n].kept, Values: res[n].values,
			GreptimeDB: versionInfo(u.File),
		}
		switch {
		case probes != nil:
			for _, p := range probes[n] {
				if u.Probe != nil {
					p = u.Probe(p)
				}
				c.Probes = append(c.Probes, p)
			}
		case o.SkipReason != "":
			c.Probes = []report.ProbeResult{{Name: "live checks", Status: report.Skip, Message: o.SkipReason}}
		}
		c.Duration = res[n].took + time.Since(start)
		for _, p := range c.Probes {
			c.Duration += p.Duration
		}
		r.Components = append(r.Components, c)
	}
	if !lintCut {
		// Cross-file rules would name files left out of the report.
		r.ClusterFindings = lintGroups(units, o.LoneGroups)
	}
	var comps []suppressUnit
	if len(o.Resources) > 0 {
		res := make([]report.ComponentReport, 0, len(o.Resources)+len(r.Components))
		for _, x := range o.Resources {
			res = append(res, x.Report)
			comps = append(comps, suppressUnit{path: x.Path, texts: x.Texts, scoped: x.Scoped})
		}
		r.Components = append(res, r.Components...)
	}
	if o.Suppress && len(comps)+len(shown) > 0 {
		for _, i := range shown {
			u := units[i]
			comps = append(comps, suppressUnit{path: u.lintFile().Path, texts: u.texts()})
		}
		today := o.Today
		if today.IsZero() {
			today = time.Now()
		}
		applySuppressions(r, comps, today)
	}
	// Findings are sorted here, once.
	for i := range r.Components {
		c := &r.Components[i]
		// In place: the report owns its slices.
		c.Findings = report.SortFindingsInPlace(c.Findings)
		c.Suppressed = report.SortFindingsInPlace(c.Suppressed)
	}
	r.ClusterFindings = report.SortFindingsInPlace(r.ClusterFindings)
	r.Interrupted = ctx.Err() != nil
	r.Redactor = red()
	// Resources come redacted by their maker (kube scrubs its Secrets'
	// values itself); the configs' redactor would mask words of theirs.
	nres := len(o.Resources)
	resources := r.Components[:nres]
	r.Components = r.Components[nres:]
	MaskReport(r, r.Redactor.String)
	r.Components = append(resources[:nres:nres], r.Components...)
	return r
}

// keepLinted drops the slots of the units an interrupt kept from being
// linted, keeping the order of the rest.
func keepLinted(shown []int, res []linted) ([]int, []linted) {
	j := 0
	for n := range shown {
		if !res[n].done {
			continue
		}
		shown[j], res[j] = shown[n], res[n]
		j++
	}
	return shown[:j], res[:j]
}

// runProbes probes the shown units within the deadline; nil when the run
// is not live.
func runProbes(ctx context.Context, units []Unit, shown []int, findings [][]report.Finding, o Options) [][]report.ProbeResult {
	if !o.Live {
		return nil
	}
	popts := o.probeOptions()
	files := make([]*configs.File, len(shown))
	unusable := map[*configs.File]map[string]string{}
	for n, i := range shown {
		files[n] = units[i].File
		if units[i].ProbeFile != nil {
			files[n] = units[i].ProbeFile
		}
		unusable[files[n]] = lint.UnusableTables(findings[n])
	}
	// A missing bucket is reported once, by the rule, not again as a
	// failed probe.
	popts.Skip = func(f *configs.File, section string) (string, bool) {
		why, ok := unusable[f][section]
		return why, ok
	}
	if o.Deadline > 0 {
		// The deadline bounds the probes; the benchmarks get their own
		// worst case on top.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Deadline+probe.EstimateBenchTime(files, popts))
		defer cancel()
	}
	return probe.RunProbes(ctx, files, popts)
}

// keep moves (or drops) findings with u.Finding.
func (u Unit) keep(fs []report.Finding) []report.Finding {
	if u.Finding == nil {
		return fs
	}
	out := fs[:0]
	for _, f := range fs {
		if moved, ok := u.Finding(f); ok {
			out = append(out, dropMovedFix(f, moved))
		}
	}
	return out
}

// lintGroups runs the cluster rules once per group: the configs of one
// cluster live together, and a repository often holds several clusters
// (staging/, prod/) that must not be compared with each other. Only
// findings on shown units are kept, moved by their unit.
func lintGroups(units []Unit, lone bool) []report.Finding {
	groups := map[string][]*configs.File{}
	byPath := map[[2]string]Unit{}
	for _, u := range units {
		if u.Group == "" {
			continue
		}
		groups[u.Group] = append(groups[u.Group], u.File)
		byPath[[2]string{u.Group, u.File.Path}] = u
	}
	names := make([]string, 0, len(groups))
	for g := range groups {
		names = append(names, g)
	}
	sort.Strings(names)
	var out []report.Finding
	for _, g := range names {
		if len(groups[g]) < 2 && !lone {
			continue
		}
		shown := func(f *configs.File) bool {
			u, ok := byPath[[2]string{g, f.Path}]
			return ok && !u.Quiet
		}
		for _, f := range lint.LintClusterShown(groups[g], shown) {
			u, ok := byPath[[2]string{g, f.Pos.File}]
			if !ok || u.Quiet {
				continue
			}
			if u.Finding != nil {
				// A cluster finding is never dropped: the unit's filter
				// is about its own rules.
				f, _ = u.Finding(f)
			}
			f.Related = moveRelated(g, f, byPath)
			out = append(out, f)
		}
	}
	return out
}

// moveRelated moves each related place of f as its own unit moves its
// findings (kube: into the manifest), in place.
func moveRelated(group string, f report.Finding, byPath map[[2]string]Unit) []report.Related {
	for i, r := range f.Related {
		u, ok := byPath[[2]string{group, r.File}]
		if !ok || u.Finding == nil {
			continue
		}
		// Never dropped, as the finding itself is not.
		moved, _ := u.Finding(report.Finding{Rule: f.Rule, Severity: f.Severity, Message: r.Message, Key: r.Key, Pos: r.Position})
		f.Related[i].Position = moved.Pos
	}
	return f.Related
}

// DefaultPerfOptions returns the benchmark defaults (see probe).
func DefaultPerfOptions() *PerfOptions { return probe.DefaultPerfOptions() }

// LoadPerfConfig reads a --perf-config file over the defaults.
func LoadPerfConfig(path string) (*PerfOptions, error) { return probe.LoadPerfConfig(path) }

// LoadBaseline reads an earlier JSON report to compare benchmarks with.
func LoadBaseline(path string) (*probe.Baseline, error) { return probe.LoadBaseline(path) }

// BenchBudget is how long the benchmarks of --include-performance may take
// on top of the deadline for these files: callers that bound a whole run
// (serve) add it to their own limit.
func BenchBudget(files []*configs.File, o Options) time.Duration {
	return probe.EstimateBenchTime(files, o.probeOptions())
}
