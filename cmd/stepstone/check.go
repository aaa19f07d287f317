package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/stepstone-dev/stepstone/checks"
	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/fix"
	"github.com/stepstone-dev/stepstone/report"
)

// job is one checking run: which files, with or without live checks, and
// whether the files form one cluster.
type job struct {
	command string
	paths   []string
	cluster bool
}

// execute loads, checks and reports; it returns the exit code as an error
// (nil for 0).
func execute(ctx context.Context, env *environment, o *options, j job) error {
	paths, err := splitPaths(j.paths)
	if err != nil {
		return err
	}
	inputs, err := collectInputs(env, paths, o.component)
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	files, skipped, err := loadInputs(inputs)
	if err != nil {
		return err
	}
	for _, s := range skipped {
		if o.verbose {
			fmt.Fprintf(env.stderr, "skipped %s: not recognisably a GreptimeDB config\n", s)
		}
	}
	if len(files) == 0 {
		return usageErrorf("no GreptimeDB config found in %v (name files after their component, or pass --component)", j.paths)
	}
	for _, n := range o.perfNotes {
		fmt.Fprintf(env.stderr, "stepstone: %s\n", n)
	}
	changed, err := changedFilter(ctx, env, o)
	if err != nil {
		return err
	}
	r := buildReport(ctx, env, o, j, files, func(f *configs.File) bool {
		return changed == nil || isChanged(env, changed, f.Path)
	})
	if err := writeOutputs(ctx, env, o, r, files); err != nil {
		return err
	}
	if r.Failed() || r.Interrupted {
		return &exitError{code: exitFindings}
	}
	return nil
}

// buildReport runs every check. Only files for which report is true are
// checked live and reported (the Action's changed-only); cross-file rules
// still read the whole cluster.
func buildReport(ctx context.Context, env *environment, o *options, j job, all []*configs.File, reported func(*configs.File) bool) *report.Report {
	r := &report.Report{
		Tool: "stepstone", Version: version, Command: j.command, Started: time.Now(),
		Rules: checks.AllRules(), FailOn: o.failOn,
	}
	var files []*configs.File
	for _, f := range all {
		if !o.noEnv {
			configs.ApplyEnv(f, env.environ, o.envPrefix)
		}
		if reported(f) {
			files = append(files, f)
		}
	}
	var probes [][]report.ProbeResult
	if o.live && !o.staticOnly {
		popts := checks.ProbeOptions{
			Timeout: o.timeout, ReadOnly: o.readOnly, OnHost: o.onHost, RunID: checks.NewRunID(),
		}
		deadline := o.deadline
		var progress *progressLine
		if o.perf {
			perf := *o.perfOpts
			if progress = newProgressLine(env); progress != nil {
				perf.Progress = progress.show
			}
			popts.Perf = &perf
			// --deadline bounds the probes; the benchmarks get their own
			// worst case on top.
			deadline += checks.EstimateBenchTime(files, popts)
		}
		pctx, cancel := context.WithTimeout(ctx, deadline)
		probes = checks.RunProbes(pctx, files, popts)
		cancel()
		progress.done()
	}
	sup := newSuppressor()
	for i, f := range files {
		start := time.Now()
		c := report.ComponentReport{
			Component: string(f.Component), ConfigFile: f.Path, Timestamp: r.Started,
			Findings: checks.Lint(f, env.environ),
		}
		fix.Attach(f, c.Findings) // the edit stepstone fix makes, for JSON and SARIF
		c.Findings, c.Suppressed = sup.apply(f, c.Findings)
		if o.verbose || hasJSON(o) {
			c.Values = configs.EffectiveValues(f)
		}
		switch {
		case probes != nil:
			c.Probes = probes[i]
		case o.live:
			c.Probes = []report.ProbeResult{{Name: "live checks", Status: report.Skip, Message: "--static-only was given"}}
		}
		c.Duration = time.Since(start)
		for _, p := range c.Probes {
			c.Duration += p.Duration
		}
		r.Components = append(r.Components, c)
	}
	if j.cluster && len(all) > 1 {
		keep := map[string]bool{}
		for _, f := range files {
			keep[f.Path] = true
		}
		for _, cf := range lintClusters(all) {
			if keep[cf.Pos.File] {
				r.ClusterFindings = append(r.ClusterFindings, cf)
			}
		}
	}
	r.Interrupted = ctx.Err() != nil
	return r
}

// progressLine shows what a long benchmark run does now on one line of
// stderr, rewritten in place. It exists only when stderr is a terminal;
// in CI and in pipes the run stays silent.
type progressLine struct {
	w       io.Writer
	mu      sync.Mutex
	started time.Time
	shown   bool
}

func newProgressLine(env *environment) *progressLine {
	f, ok := env.stderr.(*os.File)
	if !ok || !isTerminal(f) {
		return nil
	}
	return &progressLine{w: f, started: time.Now()}
}

func (p *progressLine) show(msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	// \r and "erase to the end of line" (CSI K) rewrite the line; long
	// messages are cut so they never wrap.
	line := fmt.Sprintf("[%s] %s", time.Since(p.started).Round(time.Second), msg)
	if r := []rune(line); len(r) > 100 {
		line = string(r[:99]) + "…"
	}
	fmt.Fprintf(p.w, "\r\x1b[K%s", line)
	p.shown = true
}

// done clears the line; a nil progressLine does nothing.
func (p *progressLine) done() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}

func hasJSON(o *options) bool {
	for _, out := range o.outputs {
		if out.format == "json" {
			return true
		}
	}
	return false
}
