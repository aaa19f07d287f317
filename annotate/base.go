package annotate

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
)

// shaPattern is a full commit id, SHA-1 or SHA-256.
var shaPattern = regexp.MustCompile(`^[0-9a-f]{40}([0-9a-f]{24})?$`)

// PullRequestBase returns the commit the pull request is compared with,
// pull_request.base.sha of the event payload.
func (e Env) PullRequestBase() (string, error) {
	if !e.IsPullRequest() {
		return "", ErrNotPullRequest
	}
	b, err := os.ReadFile(e.EventPath)
	if err != nil {
		return "", fmt.Errorf("could not read the event payload: %w", err)
	}
	var ev struct {
		PullRequest struct {
			Base struct {
				SHA string `json:"sha"`
			} `json:"base"`
		} `json:"pull_request"`
	}
	if err := json.Unmarshal(b, &ev); err != nil {
		return "", fmt.Errorf("could not parse the event payload %q: %w", e.EventPath, err)
	}
	// The id goes into a URL and a git argument: nothing but hex.
	if sha := strings.ToLower(ev.PullRequest.Base.SHA); shaPattern.MatchString(sha) {
		return sha, nil
	}
	return "", fmt.Errorf("event payload %q has no pull_request.base.sha", e.EventPath)
}

// FileAt returns the contents of the file at path (repository-relative,
// with /) in commit ref of repo ("owner/name"), read through the contents
// API as raw bytes, at most limit bytes. found is false when the file does
// not exist there, as for a file the pull request adds.
// https://docs.github.com/en/rest/repos/contents#get-repository-content
func (c *Client) FileAt(ctx context.Context, repo, path, ref string, limit int64) (data []byte, found bool, err error) {
	rp, err := repoPathSegments(repo)
	if err != nil {
		return nil, false, err
	}
	u := c.url("/repos/" + rp + "/contents/" + escapePath(strings.TrimPrefix(path, "/")) + "?ref=" + url.QueryEscape(ref))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, false, err
	}
	// The raw media type answers with the file itself instead of JSON
	// with base64 content, which stops at 1 MB.
	req.Header.Set("Accept", "application/vnd.github.raw+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	req.Header.Set("User-Agent", "stepstone")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, false, fmt.Errorf("GitHub API GET %s: %w", redact(u), err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, false, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return nil, false, apiError(req, resp)
	}
	data, err = io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, false, fmt.Errorf("GitHub API GET %s: %w", redact(u), err)
	}
	if int64(len(data)) > limit {
		return nil, false, fmt.Errorf("GitHub API GET %s: the file is larger than %d bytes", redact(u), limit)
	}
	return data, true, nil
}
