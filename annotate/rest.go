package annotate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ErrNoPermission is what APIError matches when GitHub answers 403 or 404:
// the token may not do this, most often because a pull request from a fork
// runs with a read-only token.
var ErrNoPermission = errors.New("the token lacks permission")

// APIError is a REST API answer other than success.
type APIError struct {
	Method     string
	URL        string
	StatusCode int
	// Message is GitHub's "message" field, or the start of the body.
	Message string
	// RateLimited is set on a 403 or 429 that reports an exhausted limit.
	RateLimited bool
}

func (e *APIError) Error() string {
	return fmt.Sprintf("GitHub API %s %s: %d %s", e.Method, e.URL, e.StatusCode, e.Message)
}

// Is lets errors.Is(err, ErrNoPermission) match a 403 or 404 that is not a
// rate limit. GitHub answers 404 rather than 403 where saying a resource
// exists would leak it.
func (e *APIError) Is(target error) bool {
	return target == ErrNoPermission && !e.RateLimited &&
		(e.StatusCode == http.StatusForbidden || e.StatusCode == http.StatusNotFound)
}

// Client calls the parts of GitHub's REST API that stepstone needs. It
// works against github.com and GitHub Enterprise Server alike, because
// BaseURL comes from GITHUB_API_URL.
type Client struct {
	// BaseURL is the API root, such as https://api.github.com or
	// https://github.example.com/api/v3.
	BaseURL string
	Token   string
	HTTP    *http.Client
}

// NewClient returns a client for env's API and token; hc may be nil.
func NewClient(env Env, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &Client{BaseURL: env.APIURL, Token: env.Token, HTTP: hc}
}

// maxPages bounds pagination: 100 pages of 100 is more than GitHub returns
// for any list stepstone reads (a pull request lists at most 3000 files).
const maxPages = 100

// do sends one request to u (absolute) and decodes a JSON answer into out,
// which may be nil. It returns the response's next-page URL, if any.
func (c *Client) do(ctx context.Context, method, u string, in, out any) (next string, err error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return "", err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return "", err
	}
	// The headers GitHub's REST documentation asks for.
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	req.Header.Set("User-Agent", "stepstone")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("GitHub API %s %s: %w", method, redact(u), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", apiError(req, resp)
	}
	if out != nil {
		if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(out); err != nil {
			return "", fmt.Errorf("GitHub API %s %s: could not decode the answer: %w", method, redact(u), err)
		}
	}
	next = nextLink(resp.Header.Get("Link"))
	if next != "" && !c.sameOrigin(next) {
		// Never send the token anywhere but the API it was meant for.
		return "", fmt.Errorf("GitHub API %s %s: next page %q is on another host", method, redact(u), redact(next))
	}
	return next, nil
}

func apiError(req *http.Request, resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var msg struct {
		Message string `json:"message"`
	}
	e := &APIError{Method: req.Method, URL: redact(req.URL.String()), StatusCode: resp.StatusCode}
	if json.Unmarshal(b, &msg) == nil && msg.Message != "" {
		e.Message = msg.Message
	} else {
		e.Message = clip(strings.TrimSpace(string(b)), 200)
	}
	// https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api#rate-limit-errors
	if resp.StatusCode == http.StatusTooManyRequests ||
		(resp.StatusCode == http.StatusForbidden &&
			(resp.Header.Get("X-RateLimit-Remaining") == "0" || resp.Header.Get("Retry-After") != "" ||
				strings.Contains(strings.ToLower(e.Message), "rate limit"))) {
		e.RateLimited = true
	}
	return e
}

// getAll follows rel="next" links from path, decoding each page (a JSON
// array) and handing it to page.
func getAll[T any](ctx context.Context, c *Client, path string, page func([]T)) error {
	u := c.url(path)
	for i := 0; u != ""; i++ {
		if i == maxPages {
			return fmt.Errorf("GitHub API GET %s: more than %d pages", path, maxPages)
		}
		var items []T
		next, err := c.do(ctx, http.MethodGet, u, nil, &items)
		if err != nil {
			return err
		}
		page(items)
		u = next
	}
	return nil
}

func (c *Client) url(path string) string {
	base := strings.TrimRight(c.BaseURL, "/")
	if base == "" {
		base = "https://api.github.com"
	}
	return base + path
}

func (c *Client) sameOrigin(u string) bool {
	a, err1 := url.Parse(c.url("/"))
	b, err2 := url.Parse(u)
	return err1 == nil && err2 == nil && a.Scheme == b.Scheme && a.Host == b.Host
}

// nextLink finds the rel="next" target in a Link header such as
// <https://api.github.com/...?page=2>; rel="next", <...>; rel="last".
// https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api
func nextLink(header string) string {
	for _, part := range strings.Split(header, ",") {
		target, params, ok := strings.Cut(strings.TrimSpace(part), ";")
		if !ok || !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
			continue
		}
		for _, p := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(k, "rel") {
				for _, rel := range strings.Fields(strings.Trim(v, `"`)) {
					if rel == "next" {
						return strings.TrimSuffix(strings.TrimPrefix(target, "<"), ">")
					}
				}
			}
		}
	}
	return ""
}

// redact drops the query and any user info from u for error messages.
func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(bad URL)"
	}
	p.User = nil
	p.RawQuery = ""
	return p.String()
}

// repoPathSegments checks "owner/name" and escapes it for a URL path.
func repoPathSegments(repo string) (string, error) {
	owner, name, ok := strings.Cut(repo, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return "", fmt.Errorf("repository %q is not owner/name", repo)
	}
	return url.PathEscape(owner) + "/" + url.PathEscape(name), nil
}
