// Package annotate turns a report into what GitHub Actions shows: workflow
// commands that annotate config lines, the job's step summary, step
// outputs, and a pull request comment that later runs update in place.
//
// Run does the whole "-o github" job; the writers it uses are exported for
// the CLI's other output formats and for tests.
package annotate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/stepstone-dev/stepstone/report"
)

// Env is what a GitHub Actions job tells a step through its environment.
// https://docs.github.com/actions/learn-github-actions/variables#default-environment-variables
type Env struct {
	// Actions is true when GITHUB_ACTIONS is "true".
	Actions   bool
	Workspace string
	EventName string
	EventPath string
	// StepSummary and Output are the files behind GITHUB_STEP_SUMMARY and
	// GITHUB_OUTPUT.
	StepSummary string
	Output      string
	// APIURL is the REST API root, https://api.github.com on github.com
	// and https://HOST/api/v3 on GitHub Enterprise Server.
	APIURL     string
	ServerURL  string
	Repository string
	SHA        string
	RunID      string
	// Token comes from the action's github-token input, else GITHUB_TOKEN.
	Token string
}

// EnvFromOS reads Env through getenv, normally os.Getenv.
func EnvFromOS(getenv func(string) string) Env {
	e := Env{
		Actions:     getenv("GITHUB_ACTIONS") == "true",
		Workspace:   getenv("GITHUB_WORKSPACE"),
		EventName:   getenv("GITHUB_EVENT_NAME"),
		EventPath:   getenv("GITHUB_EVENT_PATH"),
		StepSummary: getenv("GITHUB_STEP_SUMMARY"),
		Output:      getenv("GITHUB_OUTPUT"),
		APIURL:      strings.TrimRight(getenv("GITHUB_API_URL"), "/"),
		ServerURL:   strings.TrimRight(getenv("GITHUB_SERVER_URL"), "/"),
		Repository:  getenv("GITHUB_REPOSITORY"),
		SHA:         getenv("GITHUB_SHA"),
		RunID:       getenv("GITHUB_RUN_ID"),
		// Action inputs keep their hyphens in the variable name.
		Token: strings.TrimSpace(getenv("INPUT_GITHUB-TOKEN")),
	}
	if e.Token == "" {
		e.Token = strings.TrimSpace(getenv("GITHUB_TOKEN"))
	}
	if e.APIURL == "" {
		e.APIURL = "https://api.github.com"
	}
	if e.ServerURL == "" {
		e.ServerURL = "https://github.com"
	}
	return e
}

// IsPullRequest reports whether the run was triggered by a pull request.
func (e Env) IsPullRequest() bool {
	return e.EventName == "pull_request" || e.EventName == "pull_request_target"
}

// PullRequest returns the pull request number from the event payload.
func (e Env) PullRequest() (int, error) {
	if !e.IsPullRequest() {
		return 0, ErrNotPullRequest
	}
	b, err := os.ReadFile(e.EventPath)
	if err != nil {
		return 0, fmt.Errorf("could not read the event payload: %w", err)
	}
	var ev struct {
		PullRequest struct {
			Number int `json:"number"`
		} `json:"pull_request"`
	}
	if err := json.Unmarshal(b, &ev); err != nil {
		return 0, fmt.Errorf("could not parse the event payload %q: %w", e.EventPath, err)
	}
	if ev.PullRequest.Number <= 0 {
		return 0, fmt.Errorf("event payload %q has no pull_request.number", e.EventPath)
	}
	return ev.PullRequest.Number, nil
}

// BlobURL is the web address of the checked-out tree, which file links in
// the summary and comment start with; "" when the repository or commit is
// unknown.
func (e Env) BlobURL() string {
	if e.Repository == "" || e.SHA == "" {
		return ""
	}
	return e.ServerURL + "/" + e.Repository + "/blob/" + e.SHA
}

// RunURL is the web address of the workflow run, whose page shows the step
// summary; "" when unknown.
func (e Env) RunURL() string {
	if e.Repository == "" || e.RunID == "" {
		return ""
	}
	return e.ServerURL + "/" + e.Repository + "/actions/runs/" + e.RunID
}

// Options tune Run and the writers.
type Options struct {
	// Comment asks Run to create or update the pull request comment.
	Comment bool
	// SARIFPath and ReportJSONPath are the sarif-file and report-json
	// outputs. The CLI writes those files (-o sarif=PATH, -o json=PATH).
	SARIFPath      string
	ReportJSONPath string
	// Secrets are masked in the log before anything else is printed.
	Secrets []string
	// Stdout receives the workflow commands; nil means os.Stdout.
	Stdout io.Writer
	// HTTPClient talks to the REST API; nil means a client with a timeout.
	HTTPClient *http.Client

	// Workspace makes paths repository-relative. Run sets it from Env.
	Workspace string
	// BlobURL starts links to config lines, e.g.
	// https://github.com/OWNER/REPO/blob/SHA. Run sets it from Env.
	BlobURL string
	// RunURL links the comment to the full summary. Run sets it from Env.
	RunURL string
}

// Result says what Run did.
type Result struct {
	// Annotated is the number of annotations printed; Omitted those left
	// out because of GitHub's limits.
	Annotated int
	Omitted   Omitted
	// CommentURL is the comment created or updated, if any.
	CommentURL     string
	CommentCreated bool
	// CommentFallback is true when a comment was wanted but could not be
	// written, most often because a pull request from a fork gets a
	// read-only token. Run has printed a notice; the annotations and the
	// step summary still carry the report, and the job must not fail for it.
	CommentFallback bool
	// CommentFailed is true when the API could not be reached or failed
	// (5xx). Run has printed a warning; the exit code stays the checks'.
	CommentFailed bool
}

// Run does the whole "-o github" job for r, in this order: mask secrets,
// annotate, append the step summary, set the step outputs, and comment on
// the pull request (when asked and the run is for one). It carries on past
// a failed step and returns every error joined. A comment refused for lack
// of permission is not an error: Run prints a notice and sets
// Result.CommentFallback.
func Run(ctx context.Context, r *report.Report, env Env, opts Options) (Result, error) {
	var res Result
	out := opts.Stdout
	if out == nil {
		out = os.Stdout
	}
	if opts.Workspace == "" {
		opts.Workspace = env.Workspace
	}
	if opts.BlobURL == "" {
		opts.BlobURL = env.BlobURL()
	}
	if opts.RunURL == "" {
		opts.RunURL = env.RunURL()
	}

	// Masks go first: the runner only hides what it was told about before
	// the secret reaches the log.
	if err := WriteMasks(out, append(append([]string(nil), opts.Secrets...), env.Token)); err != nil {
		return res, err
	}

	var errs []error
	n, om, err := WriteCommands(out, r, opts)
	res.Annotated, res.Omitted = n, om
	if err != nil {
		errs = append(errs, err)
	}

	if env.StepSummary != "" {
		if err := appendFile(env.StepSummary, func(w io.Writer) error {
			budget := MaxSummaryBytes
			if fi, err := os.Stat(env.StepSummary); err == nil {
				// The limit is per step, and earlier writes count.
				budget -= int(fi.Size())
			}
			return writeSummary(w, r, opts, budget)
		}); err != nil {
			errs = append(errs, fmt.Errorf("could not write the step summary %q: %w", env.StepSummary, err))
		}
	}

	if env.Output != "" {
		if err := appendFile(env.Output, func(w io.Writer) error {
			return WriteOutputs(w, r, opts)
		}); err != nil {
			errs = append(errs, fmt.Errorf("could not write step outputs %q: %w", env.Output, err))
		}
	}

	if opts.Comment && env.IsPullRequest() {
		if err := comment(ctx, r, env, opts, &res, out); err != nil {
			errs = append(errs, err)
		}
	}
	return res, errors.Join(errs...)
}

// comment creates or updates the pull request comment. Refusals that a
// workflow author cannot fix from the action (read-only token on a fork,
// no token, rate limit) become a notice and set CommentFallback.
func comment(ctx context.Context, r *report.Report, env Env, opts Options, res *Result, out io.Writer) error {
	fallback := func(why string) error {
		res.CommentFallback = true
		_, err := io.WriteString(out, Notice("could not comment on the pull request ("+why+
			"); the results are in the annotations and the job summary"))
		return err
	}
	if env.Token == "" {
		return fallback("no github-token")
	}
	number, err := env.PullRequest()
	if err != nil {
		return err
	}
	var body strings.Builder
	if err := WriteMarkdown(&body, r, opts); err != nil {
		return err
	}
	c := NewClient(env, opts.HTTPClient)
	cm, created, err := c.UpsertComment(ctx, env.Repository, number, body.String())
	var apiErr *APIError
	switch {
	case errors.Is(err, ErrNoPermission):
		return fallback("the token may not write comments here, as happens on pull requests from forks")
	case errors.As(err, &apiErr) && apiErr.RateLimited:
		return fallback("the API rate limit is exhausted")
	case errors.As(err, &apiErr) && apiErr.StatusCode < 500:
		return err
	case err != nil:
		// The API is unreachable or failing (a transport error, a 5xx):
		// the checks ran and their result stands, so this is a warning.
		res.CommentFallback, res.CommentFailed = true, true
		_, werr := io.WriteString(out, Warning("could not comment on the pull request: "+err.Error()+
			"; the results are in the annotations and the job summary"))
		return werr
	}
	res.CommentURL, res.CommentCreated = cm.HTMLURL, created
	return nil
}

// appendFile opens path for appending, runs write and closes it: whatever
// the step wrote to GITHUB_STEP_SUMMARY or GITHUB_OUTPUT before must stay.
func appendFile(path string, write func(io.Writer) error) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	return write(f)
}

// escapePath percent-escapes a slash-separated path for a URL.
func escapePath(p string) string {
	return (&url.URL{Path: p}).EscapedPath()
}
