package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/stepstone-dev/stepstone/annotate"
	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

// postSuggestions offers the report's fixes on the pull request as one
// review with suggestion blocks (--suggestions, the Action's suggestions
// input; the caller checks it). Nothing here fails the run: a fork's
// read-only token degrades to the annotations, and other API trouble
// becomes a notice.
func postSuggestions(ctx context.Context, env *environment, r *report.Report, files []*configs.File) {
	ghEnv := annotate.EnvFromOS(env.getenv)
	number, err := ghEnv.PullRequest()
	if err != nil {
		return
	}
	sources := map[string][]byte{}
	for _, f := range files {
		sources[f.Path] = f.Source
	}
	ws := workspace(env)
	sugs := annotate.BuildSuggestions(r.AllFindings(),
		func(file string) ([]byte, bool) { b, ok := sources[file]; return b, ok },
		func(file string) string { p, _ := report.RepoPath(ws, file); return p })
	if len(sugs) == 0 {
		return
	}
	res, err := annotate.NewClient(ghEnv, nil).PostSuggestions(ctx, ghEnv.Repository, number, sugs)
	switch {
	case errors.Is(err, annotate.ErrNoPermission):
		fmt.Fprintln(env.stderr, "stepstone: the token may not review this pull request (a fork?); the annotations carry the fixes")
	case err != nil:
		fmt.Fprint(env.stdout, annotate.Notice("could not post fix suggestions: "+err.Error()))
	case res.Capped > 0:
		fmt.Fprint(env.stdout, annotate.Notice(fmt.Sprintf("%d more fix suggestion(s) than the %d a run posts; run stepstone fix to apply them all", res.Capped, annotate.MaxSuggestions)))
	}
}
