package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/stepstone-dev/stepstone/annotate"
	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

// actionMode reports whether stepstone runs as the GitHub Action's
// entrypoint with no arguments and, if so, turns the INPUT_* variables into
// the equivalent command line. Both ways of running the Action arrive here:
// action.yml passes no args (the runner sets an INPUT_* variable for every
// input, defaults included) and an image used as `uses: docker://...` gets
// only the inputs under with:. So there is one validation: each bad input
// is an ::error:: annotation naming it, and the step exits 2. Unknown
// INPUT_* variables (a typo under with:) get a warning.
func actionMode(env *environment) ([]string, bool, error) {
	if len(env.args) > 1 || env.getenv("GITHUB_ACTIONS") != "true" {
		return nil, false, nil
	}
	for _, name := range annotate.UnknownInputs(env.environ) {
		fmt.Fprint(env.stdout, annotate.InputWarning(name, "is not an input of stepstone; it is ignored (inputs are spelled with hyphens, as in action.yml)"))
	}
	in, err := annotate.InputsFromEnv(annotate.LookupFromEnviron(env.environ))
	if err != nil {
		bad := annotate.InputErrors(err)
		for _, ie := range bad {
			fmt.Fprint(env.stdout, annotate.InputErrorCommand(ie))
		}
		return nil, false, fmt.Errorf("%d bad action input(s); see the annotations: %w", len(bad), err)
	}
	return in.Args(), true, nil
}

// workspace is the directory paths are made relative to in GitHub and
// SARIF output: the checkout the runner mounted, else the working dir.
func workspace(env *environment) string {
	if ws := env.getenv("GITHUB_WORKSPACE"); ws != "" {
		return ws
	}
	wd, _ := os.Getwd()
	return wd
}

// writeGitHub does the whole -o github job: masks, annotations, step
// summary, outputs and the PR comment.
func writeGitHub(ctx context.Context, env *environment, o *options, r *report.Report, files []*configs.File) error {
	ghEnv := annotate.EnvFromOS(env.getenv)
	opts := annotate.Options{
		Comment:   o.comment,
		SARIFPath: o.sarifFile,
		Secrets:   runSecrets(r),
		Stdout:    env.stdout,
	}
	// The JSON report is written into the workspace by the json output
	// that --report-json adds, so report-json names a path that a later
	// step (actions/upload-artifact) finds, as sarif-file does.
	opts.ReportJSONPath = o.reportJSON
	res, err := annotate.Run(ctx, r, ghEnv, opts)
	if err != nil {
		return fmt.Errorf("could not write GitHub output: %w", err)
	}
	if res.CommentFailed {
		fmt.Fprintln(env.stderr, "stepstone: warning: could not comment on the pull request (the GitHub API is unreachable or failing); the exit code is the checks'")
	} else if res.CommentFallback {
		fmt.Fprintln(env.stderr, "stepstone: the token may not comment on this pull request (a fork?); annotations and the step summary carry the report")
	} else if o.suggestions {
		postSuggestions(ctx, env, r, files) // a fork degrades like the comment
	}
	return nil
}

// runSecrets returns every secret the run's redactor learned, to be masked
// (::add-mask::) before anything else is printed.
func runSecrets(r *report.Report) []string {
	if r.Redactor == nil {
		return nil
	}
	return r.Redactor.Secrets()
}

// changedFilter returns the set of workspace-relative paths a pull request
// changes, or nil when every config should be reported: not on a pull
// request, changed-only off, or the API could not say (then a notice).
func changedFilter(ctx context.Context, env *environment, o *options) (map[string]bool, error) {
	if !hasFormat(o, "github") {
		return nil, nil
	}
	on, err := annotate.ParseChangedOnly(o.changed, env.getenv("GITHUB_EVENT_NAME"))
	if err != nil {
		return nil, usageErrorf("--changed-only: %v", err)
	}
	if !on {
		return nil, nil
	}
	changed, err := annotate.ChangedFiles(ctx, annotate.EnvFromOS(env.getenv))
	if errors.Is(err, annotate.ErrNotPullRequest) {
		return nil, nil
	}
	if err != nil {
		fmt.Fprint(env.stdout, annotate.Notice("could not list the pull request's files, so every config is reported: "+err.Error()))
		return nil, nil
	}
	set := map[string]bool{}
	for _, c := range changed {
		set[filepath.ToSlash(filepath.Clean(c))] = true
	}
	return set, nil
}

// isChanged reports whether a config path is in the changed set.
func isChanged(env *environment, set map[string]bool, path string) bool {
	rel, ok := report.RepoPath(workspace(env), path)
	if !ok {
		rel = path
	}
	return set[filepath.ToSlash(filepath.Clean(rel))]
}

func hasFormat(o *options, format string) bool {
	for _, out := range o.outputs {
		if out.format == format {
			return true
		}
	}
	return false
}
