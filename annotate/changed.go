package annotate

import (
	"context"
	"errors"
	"fmt"
)

// ErrNotPullRequest is returned where a pull request is needed but the run
// was triggered by something else.
var ErrNotPullRequest = errors.New("the workflow was not triggered by a pull request")

// ChangedFiles lists the files a pull request adds or changes, as paths
// relative to the repository root, for reporting only on the configs a
// pull request touches. Removed files are left out; a renamed file is
// listed under its new name. Outside a pull_request or pull_request_target
// run it returns ErrNotPullRequest. GitHub lists at most 3000 files.
// https://docs.github.com/en/rest/pulls/pulls#list-pull-requests-files
func ChangedFiles(ctx context.Context, env Env) ([]string, error) {
	number, err := env.PullRequest()
	if err != nil {
		return nil, err
	}
	return NewClient(env, nil).PullRequestFiles(ctx, env.Repository, number)
}

// PullRequestFiles lists the added or changed files of pull request number
// of repo ("owner/name").
func (c *Client) PullRequestFiles(ctx context.Context, repo string, number int) ([]string, error) {
	rp, err := repoPathSegments(repo)
	if err != nil {
		return nil, err
	}
	type file struct {
		Filename string `json:"filename"`
		Status   string `json:"status"`
	}
	var out []string
	err = getAll(ctx, c, fmt.Sprintf("/repos/%s/pulls/%d/files?per_page=100", rp, number), func(page []file) {
		for _, f := range page {
			if f.Status != "removed" {
				out = append(out, f.Filename)
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("could not list the files of pull request #%d: %w", number, err)
	}
	return out, nil
}
