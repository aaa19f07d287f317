package run

import (
	"context"
	"sync"
	"time"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/internal/redact"
	"github.com/stepstone-dev/stepstone/lint"
	"github.com/stepstone-dev/stepstone/report"
	"github.com/stepstone-dev/stepstone/suppress"
)

// CheckOptions say how Check turns sources into units.
type CheckOptions struct {
	Load LoadOptions
	// Unit makes the unit of a parsed file (its environment, whether it is
	// quiet; File only: LintFile and ProbeFile are Run's); Check judges
	// the file by Options first and sets no Group:
	// Group, when set, names the group of a file once all are loaded
	// (count is how many were), as the CLI groups only several files.
	Unit  func(f *configs.File) Unit
	Group func(f *configs.File, count int) string
	// KeepSource keeps every file's text to the end of the run (the human
	// report's snippets read it); otherwise only texts holding a
	// stepstone:ignore comment are kept.
	KeepSource bool
}

// Check is Load and Run as one stage, for a static run over any number of
// files: each file is read, parsed, judged, linted (fixes and effective
// values too) and its secrets learned on the goroutine that parsed it,
// then it keeps only what the cross-file rules compare
// (lint.ClusterKeys) and its tree is dropped. So the memory of a run
// grows by a small summary per file, not by every parsed tree, and the
// parse budget (LoadOptions.ParseBytes) bounds what is parsed and linted
// at once. The report is the one Load and then Run give for the same
// files (TestCheckIsLoadThenRun). Check probes nothing, whatever
// Options.Live says: a live run needs whole files, so it is Load, then Run.
//
// The files returned are the retained ones, in source order, for the
// writers; skipped and err are Load's.
func Check(ctx context.Context, srcs []Source, co CheckOptions, o Options) (*report.Report, []*configs.File, []string, error) {
	o.Live = false
	r := newReport(o)
	red := redact.New()
	learn := newLearner(red)
	units := make([]Unit, len(srcs))
	res := make([]linted, len(srcs))
	texts := make([][]byte, len(srcs))
	var envMu sync.Mutex
	envSeen := map[string]bool{}
	files, skipped, err := loadEach(ctx, srcs, co.Load, func(i int, f *configs.File) *configs.File {
		u := co.Unit(f)
		o.Judge(u.File)
		for _, kv := range u.Env {
			envMu.Lock()
			first := !envSeen[kv]
			envSeen[kv] = true
			envMu.Unlock()
			if first {
				learnEnv(red, kv)
			}
		}
		if !u.Quiet {
			res[i] = lintUnit(u, o)
		}
		learn.file(u.File)
		src := u.File.Source
		keep := co.KeepSource || (o.Suppress && suppress.Mentioned(src))
		if keep {
			u.File.Source = fitted(src)
			texts[i] = u.File.Source
		}
		u.File.Retain(clusterKeys, keep)
		if !keep {
			recycle(src)
		}
		units[i] = u
		return u.File
	})
	if err != nil {
		return nil, nil, nil, err
	}
	// The sources Load kept, in order: exactly those each was called for
	// (a skipped or unread source has no unit).
	kept := make([]Unit, 0, len(files))
	var shown []int
	var kres []linted
	for i, u := range units {
		if u.File == nil {
			continue
		}
		if o.Suppress {
			text := texts[i]
			path := u.File.Path
			u.Texts = func() map[string][]byte { return map[string][]byte{path: text} }
		}
		if !u.Quiet {
			shown = append(shown, len(kept))
			kres = append(kres, res[i])
		}
		kept = append(kept, u)
	}
	setGroups(kept, co.Group)
	return finish(ctx, r, kept, shown, kres, func() *redact.Redactor { return red }, o), files, skipped, nil
}

// clusterKeys are what a file keeps once linted.
var clusterKeys = configs.NewKeySet(lint.ClusterKeys)

// setGroups names each unit's group once the number of units is known.
func setGroups(units []Unit, group func(*configs.File, int) string) {
	if group == nil {
		return
	}
	for i := range units {
		units[i].Group = group(units[i].File, len(units))
	}
}

// newReport is the header of a run's report.
func newReport(o Options) *report.Report {
	return &report.Report{
		Tool: "stepstone", Version: o.Version, Command: o.Command, Started: time.Now(),
		Rules: append(Rules(), o.Rules...), FailOn: o.FailOn,
	}
}

// unitValues returns the effective values of u for its report.
func unitValues(u Unit) report.Values {
	if u.Values != nil {
		return u.Values()
	}
	return configs.EffectiveValues(u.File)
}
