package annotate

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// Comment is an issue comment as the REST API returns it.
type Comment struct {
	ID      int64  `json:"id"`
	Body    string `json:"body"`
	HTMLURL string `json:"html_url"`
	User    struct {
		Login string `json:"login"`
	} `json:"user"`
}

// UpsertComment puts body on pull request number of repo ("owner/name"):
// it edits the comment an earlier run left, found by Marker, or creates
// one. created tells which. A 403 or 404 matches ErrNoPermission.
// https://docs.github.com/en/rest/issues/comments
func (c *Client) UpsertComment(ctx context.Context, repo string, number int, body string) (cm Comment, created bool, err error) {
	rp, err := repoPathSegments(repo)
	if err != nil {
		return cm, false, err
	}
	if !strings.Contains(body, Marker) {
		body = strings.TrimRight(body, "\n") + "\n\n" + Marker + "\n"
	}
	old, err := c.findComment(ctx, rp, number)
	if err != nil {
		return cm, false, err
	}
	in := map[string]string{"body": body}
	if old != nil {
		_, err = c.do(ctx, http.MethodPatch, c.url(fmt.Sprintf("/repos/%s/issues/comments/%d", rp, old.ID)), in, &cm)
		return cm, false, err
	}
	_, err = c.do(ctx, http.MethodPost, c.url(fmt.Sprintf("/repos/%s/issues/%d/comments", rp, number)), in, &cm)
	return cm, err == nil, err
}

// findComment returns the oldest comment stepstone wrote on the pull
// request, or nil. A comment counts when it ends with Marker, as ours do;
// someone quoting our comment in a reply has their own text after it.
func (c *Client) findComment(ctx context.Context, rp string, number int) (*Comment, error) {
	var found *Comment
	err := getAll(ctx, c, fmt.Sprintf("/repos/%s/issues/%d/comments?per_page=100", rp, number), func(page []Comment) {
		for i := range page {
			if found == nil && strings.HasSuffix(strings.TrimSpace(page[i].Body), Marker) {
				found = &page[i]
			}
		}
	})
	return found, err
}
