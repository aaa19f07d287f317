package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/stepstone-dev/stepstone/annotate"
	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

// actionMode reports whether stepstone runs as the GitHub Action's
// entrypoint with no arguments (an image used as `docker://...`) and, if
// so, turns the INPUT_* variables into the equivalent command line. With
// action.yml the runner passes the arguments itself.
func actionMode(env *environment) ([]string, bool, error) {
	if len(env.args) > 1 || env.getenv("GITHUB_ACTIONS") != "true" {
		return nil, false, nil
	}
	in, err := annotate.InputsFromEnv(env.getenv)
	if err != nil {
		return nil, false, err
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
	// The JSON report goes next to the runner's temporary files, so the
	// report-json output can be uploaded as an artifact. It is written to a
	// fresh private file (O_EXCL, 0600); in the job's own RUNNER_TEMP that
	// file is then renamed to the documented stepstone-report.json (a rename
	// replaces a planted symlink instead of following it). Outside a runner
	// the fresh file keeps its random name: a fixed name under a shared
	// $TMPDIR could be another user's.
	if jsonPath, err := writeReportJSON(env.getenv("RUNNER_TEMP"), r); err == nil {
		opts.ReportJSONPath = jsonPath
	}
	res, err := annotate.Run(ctx, r, ghEnv, opts)
	if err != nil {
		return fmt.Errorf("could not write GitHub output: %w", err)
	}
	if res.CommentFailed {
		fmt.Fprintln(env.stderr, "stepstone: warning: could not comment on the pull request (the GitHub API is unreachable or failing); the exit code is the checks'")
	} else if res.CommentFallback {
		fmt.Fprintln(env.stderr, "stepstone: the token may not comment on this pull request (a fork?); annotations and the step summary carry the report")
	}
	return nil
}

// writeReportJSON writes the JSON report for the report-json output and
// returns its path.
func writeReportJSON(runnerTemp string, r *report.Report) (string, error) {
	dir := runnerTemp
	if dir == "" {
		dir = os.TempDir()
	}
	path, err := writeFreshFile(dir, "stepstone-report-*.json", func(w io.Writer) error { return report.WriteJSON(w, r) })
	if err != nil || runnerTemp == "" {
		return path, err
	}
	fixed := filepath.Join(runnerTemp, "stepstone-report.json")
	if err := os.Rename(path, fixed); err != nil {
		os.Remove(path)
		return "", err
	}
	return fixed, nil
}

// writeFreshFile writes a new file named after pattern (os.CreateTemp) in
// dir and returns its path; a failed write removes it.
func writeFreshFile(dir, pattern string, write func(io.Writer) error) (string, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", err
	}
	if err := write(f); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
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
