package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"

	"github.com/stepstone-dev/stepstone/annotate"
	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/impact"
	"github.com/stepstone-dev/stepstone/report"
	pipeline "github.com/stepstone-dev/stepstone/run"
)

// pullRequestImpact fills in r.Impact on a pull request with -o github:
// for each reported config the pull request changes, what it changes in
// the effective values against the base commit, for the PR comment's
// "What this change does", the step summary and the JSON report. The base
// version is read with git when the checkout has the base commit, else
// through the contents API (the image has no git). A file the base does
// not have is "added". A base that cannot be read costs the section, with
// a notice, never the run.
func pullRequestImpact(ctx context.Context, env *environment, o *options, r *report.Report, files []*configs.File, changed map[string]bool) {
	if !hasFormat(o, "github") {
		return
	}
	ghEnv := annotate.EnvFromOS(env.getenv)
	base, err := ghEnv.PullRequestBase()
	if errors.Is(err, annotate.ErrNotPullRequest) {
		return
	}
	notice := func(why string) {
		fmt.Fprint(env.stdout, annotate.Notice("no \"What this change does\" section: "+r.Redact(why)))
	}
	if err != nil {
		notice(err.Error())
		return
	}
	if changed == nil {
		// changed-only is off: the pull request's files are still what
		// is compared.
		list, err := annotate.ChangedFiles(ctx, ghEnv)
		if err != nil {
			notice(err.Error())
			return
		}
		changed = map[string]bool{}
		for _, c := range list {
			changed[filepath.ToSlash(filepath.Clean(c))] = true
		}
	}
	reported := map[string]bool{}
	for _, c := range r.Components {
		reported[c.ConfigFile] = true
	}
	ws := workspace(env)
	ro := runOptions(o, "")
	client := annotate.NewClient(ghEnv, nil)
	var units []pipeline.Unit
	var all []report.ConfigChanges
	for _, f := range files {
		rel, ok := report.RepoPath(ws, f.Path)
		if !ok || !reported[f.Path] || !changed[rel] {
			continue
		}
		data, found, err := readBase(ctx, client, ghEnv, ws, base, rel)
		if err != nil {
			notice(err.Error())
			return
		}
		var old *configs.File
		if found {
			if old, err = configs.Load(f.Path, data, f.Component); err != nil || old.SyntaxError != nil {
				// A base that does not parse has no effective values to
				// compare; its file is left out of the section.
				continue
			}
			ro.Judge(old)
			if !o.noEnv {
				configs.ApplyEnv(old, env.environ, o.envPrefix)
			}
			units = append(units, pipeline.Unit{File: old})
		}
		cc := impact.Compare(old, f)
		cc.File = rel
		if len(cc.Changes) > 0 {
			all = append(all, cc)
		}
	}
	// Values are shown through the run's redactor and one that knows the
	// base's secrets (a password the pull request replaced).
	baseRed := pipeline.NewRedactor(units)
	for i := range all {
		for j := range all[i].Changes {
			ch := &all[i].Changes[j]
			ch.Old, ch.New = baseRed.String(r.Redact(ch.Old)), baseRed.String(r.Redact(ch.New))
		}
	}
	r.Impact = all
}

// readBase reads rel (repository-relative) at commit base: with git when
// the workspace is a checkout that has the commit, else through the
// contents API. found is false when the file is new in the pull request.
func readBase(ctx context.Context, c *annotate.Client, ghEnv annotate.Env, ws, base, rel string) ([]byte, bool, error) {
	if data, found, ok := gitBase(ctx, ws, base, rel); ok {
		return data, found, nil
	}
	data, found, err := c.FileAt(ctx, ghEnv.Repository, rel, base, maxConfigSize)
	if err != nil {
		return nil, false, fmt.Errorf("could not read %s at the base commit: %w", rel, err)
	}
	return data, found, nil
}

// gitBase reads rel at base with a local git; ok is false when there is
// no git, the workspace is no checkout, or it lacks the commit (a shallow
// clone of the merge commit, as actions/checkout makes by default).
func gitBase(ctx context.Context, ws, base, rel string) (data []byte, found, ok bool) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, false, false
	}
	gitIn := func(args ...string) ([]byte, error) {
		cmd := exec.CommandContext(ctx, "git", append([]string{"-C", ws}, args...)...)
		var out bytes.Buffer
		cmd.Stdout = &out
		err := cmd.Run()
		return out.Bytes(), err
	}
	// base is checked to be hex by PullRequestBase: no option injection.
	if _, err := gitIn("cat-file", "-e", base+"^{commit}"); err != nil {
		return nil, false, false
	}
	if _, err := gitIn("cat-file", "-e", base+":"+rel); err != nil {
		return nil, false, true // not in the base: added by the pull request
	}
	out, err := gitIn("cat-file", "blob", base+":"+rel)
	if err != nil || len(out) > maxConfigSize {
		return nil, false, false
	}
	return out, true, true
}
