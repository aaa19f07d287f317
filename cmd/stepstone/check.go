package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/internal/textsafe"
	"github.com/stepstone-dev/stepstone/report"
	pipeline "github.com/stepstone-dev/stepstone/run"
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
	// Probes, and the Action's change impact and changed-only, need whole
	// files; everything else is a static run over summaries.
	if !(o.live && !o.staticOnly) && !hasFormat(o, "github") {
		return executeStatic(ctx, env, o, j, inputs)
	}
	files, skipped, err := loadInputs(ctx, inputs, o.maxInput)
	if err != nil {
		return err
	}
	if err := loaded(ctx, env, o, j, files, skipped); err != nil {
		return err
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
	// On a pull request: what the change does to each config it touches.
	pullRequestImpact(ctx, env, o, r, files, changed)
	return finishReport(ctx, env, o, r, files)
}

// executeStatic is execute for a run without live checks or the Action's
// outputs: each file is linted as soon as it is parsed and then keeps only
// what the cross-file rules compare (run.Check), so a run over thousands
// of files holds a summary of each, not every parsed tree.
func executeStatic(ctx context.Context, env *environment, o *options, j job, inputs []input) error {
	ro := runOptions(o, j.command)
	if o.live && o.staticOnly {
		ro.SkipReason = "--static-only was given"
	}
	co := pipeline.CheckOptions{
		Load: loadOptions(o.maxInput),
		Unit: func(f *configs.File) pipeline.Unit {
			ro.Judge(f) // before the env overrides: they read the release's schema
			if !o.noEnv {
				configs.ApplyEnv(f, env.environ, o.envPrefix)
			}
			return pipeline.Unit{File: f, Env: env.environ}
		},
		// The human report's snippets read the lines of the files.
		KeepSource: o.snippet && hasFormat(o, "human"),
	}
	if j.cluster {
		co.Group = func(f *configs.File, n int) string {
			if n > 1 {
				return filepath.Dir(f.Path)
			}
			return ""
		}
	}
	defer capHeap(inputs)()
	r, files, skipped, err := pipeline.Check(ctx, sources(inputs), co, ro)
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	if err := loaded(ctx, env, o, j, files, skipped); err != nil {
		return err
	}
	for _, n := range o.perfNotes {
		fmt.Fprintf(env.stderr, "stepstone: %s\n", n)
	}
	return finishReport(ctx, env, o, r, files)
}

// heapFloor is the least memory limit a static run sets.
const heapFloor = 64 << 20

// gcOffBelow is the largest memory limit under which the collector waits
// for the limit (GOGC off).
const gcOffBelow = 2 * heapFloor

// capHeap sets the garbage collector for a static run over inputs, unless
// GOMEMLIMIT or GOGC say otherwise: a soft memory limit of twice what the
// run is expected to hold, at least 64 MiB. Under a limit of up to twice
// that floor (gcOffBelow) the collector runs only when the heap reaches
// it (GOGC off): most runs then collect once or never, where GOGC 400
// still collected at 16 MB, a tenth of a hundred-config run's
// instructions; a thousand datanode configs, whose files hand their index
// storage on (configs.File.Retain), allocate about 35 MB and never reach
// the limit. Above that the collector
// waits for 5 × what it found live (GOGC 400) instead of each time the
// heap doubles: there GOGC off let the heap fill the whole limit (a dense
// 10 MiB file: 411 MB instead of 332).
// What a run holds: about 8 MiB, up to 24 KiB a file (its findings,
// effective values and the keys the cross-file rules compare; 17 KB for a
// datanode example), and the files being
// parsed, up to 16 times their size for a file of nothing but short keys.
// Left alone, the collector ran a dozen times over a thousand files, each
// time marking what the run had kept so far, and let the heap grow to
// twice what a cycle found live, counting the parse trees being thrown
// away: 120 MB instead of 90. It returns what puts both back (tests run
// the CLI in-process).
func capHeap(inputs []input) (restore func()) {
	if os.Getenv("GOMEMLIMIT") != "" || os.Getenv("GOGC") != "" {
		return func() {}
	}
	var largest int64
	for _, in := range inputs {
		largest = max(largest, in.size)
	}
	parsing := min(pipeline.DefaultParseBytes, int64(runtime.GOMAXPROCS(0))*largest)
	expected := int64(8<<20) + int64(len(inputs))*(24<<10) + 16*parsing
	limit, percent := max(heapFloor, 2*expected), 400
	if limit <= gcOffBelow {
		percent = -1
	}
	prevLimit := debug.SetMemoryLimit(limit)
	prevGC := debug.SetGCPercent(percent)
	return func() {
		debug.SetGCPercent(prevGC)
		debug.SetMemoryLimit(prevLimit)
	}
}

// loaded says what was skipped and fails a run that found no config.
func loaded(ctx context.Context, env *environment, o *options, j job, files []*configs.File, skipped []string) error {
	for _, s := range skipped {
		if o.verbose {
			fmt.Fprintf(env.stderr, "skipped %s: not recognisably a GreptimeDB config\n", textsafe.Line(s))
		}
	}
	if len(files) == 0 && ctx.Err() != nil {
		return errInterrupted // Ctrl-C before any config was parsed
	}
	if len(files) == 0 {
		return usageErrorf("no GreptimeDB config found in %q (name files after their component, or pass --component)", j.paths)
	}
	return nil
}

// finishReport writes the outputs and turns the verdict into the exit code.
func finishReport(ctx context.Context, env *environment, o *options, r *report.Report, files []*configs.File) error {
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
// still read the whole cluster: the files of one directory.
func buildReport(ctx context.Context, env *environment, o *options, j job, all []*configs.File, reported func(*configs.File) bool) *report.Report {
	ro := runOptions(o, j.command)
	units := make([]pipeline.Unit, len(all))
	for i, f := range all {
		ro.Judge(f) // before the env overrides: they read the release's schema
		if !o.noEnv {
			configs.ApplyEnv(f, env.environ, o.envPrefix)
		}
		units[i] = pipeline.Unit{File: f, Env: env.environ, Quiet: !reported(f)}
		if j.cluster && len(all) > 1 {
			units[i].Group = filepath.Dir(f.Path)
		}
	}
	ro.OnHost = o.onHost
	if o.live && o.staticOnly {
		ro.SkipReason = "--static-only was given"
	}
	ro.Live = o.live && !o.staticOnly
	progress := newProgressLine(env)
	if progress != nil && o.perf {
		ro.Progress = progress.show
	}
	r := pipeline.Run(ctx, units, ro)
	progress.done()
	return r
}

// runOptions maps the flags onto pipeline.Options.
func runOptions(o *options, command string) pipeline.Options {
	ro := pipeline.Options{
		Command: command, Version: version, FailOn: o.failOn,
		Values:  o.verbose || hasJSON(o),
		Timeout: o.timeout, Deadline: o.deadline, ReadOnly: o.readOnly,
		GreptimeDBVersion: o.greptimedb, Enterprise: o.enterprise, Placeholders: o.placeholders,
		// The edits of stepstone fix (JSON fix, SARIF fixes[], review
		// suggestions) and stepstone:ignore / .stepstone.toml, as kube has.
		Fixes: true, Suppress: true,
	}
	if o.perf {
		ro.Perf = o.perfOpts
	}
	o.running.apply(&ro, command)
	return ro
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
