package annotate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeGitHub answers the REST endpoints stepstone uses the way GitHub's
// documentation describes them (https://docs.github.com/en/rest/issues/comments,
// https://docs.github.com/en/rest/pulls/pulls#list-pull-requests-files),
// and records every call. GitHub's API is the one server that cannot run
// here, hence the stand-in.
type fakeGitHub struct {
	t        *testing.T
	srv      *httptest.Server
	token    string
	pageSize int

	mu       sync.Mutex
	comments []Comment
	files    []map[string]string
	calls    []string
	// failOn makes "METHOD" answer with the given status.
	failOn map[string]int
	// foreignNext puts a next link on another host on the first page.
	foreignNext bool
	// contents are the files of each commit, by "REF:PATH", for the
	// contents API.
	contents map[string]string
}

func newFakeGitHub(t *testing.T) *fakeGitHub {
	t.Helper()
	f := &fakeGitHub{t: t, token: "ghs_test_token", pageSize: 100, failOn: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /repos/{owner}/{repo}/issues/{number}/comments", f.listComments)
	mux.HandleFunc("POST /repos/{owner}/{repo}/issues/{number}/comments", f.createComment)
	mux.HandleFunc("PATCH /repos/{owner}/{repo}/issues/comments/{id}", f.updateComment)
	mux.HandleFunc("GET /repos/{owner}/{repo}/pulls/{number}/files", f.listFiles)
	mux.HandleFunc("GET /repos/{owner}/{repo}/contents/{path...}", f.getContents)
	f.srv = httptest.NewServer(f.check(mux))
	t.Cleanup(f.srv.Close)
	return f
}

// check enforces the headers GitHub's REST docs ask for, and records calls.
func (f *fakeGitHub) check(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.calls = append(f.calls, r.Method+" "+r.URL.Path)
		status := f.failOn[r.Method]
		f.mu.Unlock()
		switch {
		case r.Header.Get("Authorization") != "Bearer "+f.token:
			writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Bad credentials"})
		case r.Header.Get("Accept") != "application/vnd.github+json" &&
			!(strings.Contains(r.URL.Path, "/contents/") && r.Header.Get("Accept") == "application/vnd.github.raw+json"),
			r.Header.Get("X-GitHub-Api-Version") != "2022-11-28":
			writeJSON(w, http.StatusBadRequest, map[string]string{"message": "missing headers"})
		case status != 0:
			writeJSON(w, status, map[string]string{
				"message":           "Resource not accessible by integration",
				"documentation_url": "https://docs.github.com/rest/issues/comments#create-an-issue-comment",
			})
		default:
			next.ServeHTTP(w, r)
		}
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// page slices items for ?page=&per_page= and sets the Link header.
func page[T any](f *fakeGitHub, w http.ResponseWriter, r *http.Request, items []T) []T {
	per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	if per <= 0 || per > f.pageSize {
		per = f.pageSize
	}
	n, _ := strconv.Atoi(r.URL.Query().Get("page"))
	n = max(n, 1)
	lo, hi := min((n-1)*per, len(items)), min(n*per, len(items))
	link := func(p int) string {
		u := *r.URL
		u.Scheme, u.Host = "http", r.Host
		q := u.Query()
		q.Set("page", strconv.Itoa(p))
		u.RawQuery = q.Encode()
		return u.String()
	}
	last := max((len(items)+per-1)/per, 1)
	var links []string
	if n < last {
		next := link(n + 1)
		if f.foreignNext {
			next = "https://evil.example.com/steal"
		}
		links = append(links, fmt.Sprintf("<%s>; rel=\"next\"", next), fmt.Sprintf("<%s>; rel=\"last\"", link(last)))
	}
	if n > 1 {
		links = append(links, fmt.Sprintf("<%s>; rel=\"prev\"", link(n-1)), fmt.Sprintf("<%s>; rel=\"first\"", link(1)))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	return items[lo:hi]
}

func (f *fakeGitHub) listComments(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	writeJSON(w, http.StatusOK, page(f, w, r, f.comments))
}

func (f *fakeGitHub) createComment(w http.ResponseWriter, r *http.Request) {
	var in struct{ Body string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Body == "" {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "Validation Failed"})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c := Comment{ID: int64(1000 + len(f.comments)), Body: in.Body}
	c.HTMLURL = fmt.Sprintf("https://github.com/%s/%s/pull/%s#issuecomment-%d", r.PathValue("owner"), r.PathValue("repo"), r.PathValue("number"), c.ID)
	c.User.Login = "github-actions[bot]"
	f.comments = append(f.comments, c)
	writeJSON(w, http.StatusCreated, c)
}

func (f *fakeGitHub) updateComment(w http.ResponseWriter, r *http.Request) {
	var in struct{ Body string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Body == "" {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "Validation Failed"})
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.comments {
		if f.comments[i].ID == id {
			f.comments[i].Body = in.Body
			writeJSON(w, http.StatusOK, f.comments[i])
			return
		}
	}
	writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
}

// getContents answers the contents API with the raw media type: the
// file's bytes, or 404 when the commit has no such file.
func (f *fakeGitHub) getContents(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	data, ok := f.contents[r.URL.Query().Get("ref")+":"+r.PathValue("path")]
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return
	}
	w.Header().Set("Content-Type", "application/vnd.github.raw+json")
	io.WriteString(w, data)
}

func (f *fakeGitHub) listFiles(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	writeJSON(w, http.StatusOK, page(f, w, r, f.files))
}

// count returns how many recorded calls start with prefix ("POST ", ...).
func (f *fakeGitHub) count(prefix string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if strings.HasPrefix(c, prefix) {
			n++
		}
	}
	return n
}

func (f *fakeGitHub) client() *Client {
	return &Client{BaseURL: f.srv.URL, Token: f.token, HTTP: f.srv.Client()}
}

// addHumanComments adds n comments by people, one of them quoting ours.
func (f *fakeGitHub) addHumanComments(n int) {
	for i := 0; i < n; i++ {
		c := Comment{ID: int64(i + 1), Body: fmt.Sprintf("looks good %d", i)}
		if i == 3 {
			c.Body = "> earlier report\n> " + Marker + "\n\nwhy does this fail?"
		}
		c.User.Login = "octocat"
		f.comments = append(f.comments, c)
	}
}

func TestUpsertCommentCreatesThenUpdates(t *testing.T) {
	f := newFakeGitHub(t)
	// 150 comments by people push ours onto the second page.
	f.addHumanComments(150)
	c := f.client()
	ctx := context.Background()

	first, created, err := c.UpsertComment(ctx, "stepstone-dev/demo", 7, "### first\n\n"+Marker+"\n")
	if err != nil || !created {
		t.Fatalf("first run: created=%v err=%v", created, err)
	}
	second, created, err := c.UpsertComment(ctx, "stepstone-dev/demo", 7, "### second\n\n"+Marker+"\n")
	if err != nil || created {
		t.Fatalf("second run: created=%v err=%v", created, err)
	}
	if second.ID != first.ID {
		t.Errorf("second run edited comment %d, want %d", second.ID, first.ID)
	}
	if got := f.count("POST "); got != 1 {
		t.Errorf("%d POSTs, want 1", got)
	}
	if got := f.count("PATCH "); got != 1 {
		t.Errorf("%d PATCHes, want 1", got)
	}
	// Both runs read both pages of comments.
	if got := f.count("GET "); got != 4 {
		t.Errorf("%d GETs, want 4 (two pages, twice)", got)
	}
	var ours []Comment
	for _, cm := range f.comments {
		if strings.HasSuffix(strings.TrimSpace(cm.Body), Marker) {
			ours = append(ours, cm)
		}
	}
	if len(ours) != 1 || !strings.Contains(ours[0].Body, "second") {
		t.Errorf("want one up-to-date stepstone comment, got %+v", ours)
	}
	if f.comments[3].Body == ours[0].Body {
		t.Errorf("a person's comment quoting the marker was overwritten")
	}
}

func TestUpsertCommentAddsMissingMarker(t *testing.T) {
	f := newFakeGitHub(t)
	if _, _, err := f.client().UpsertComment(context.Background(), "o/r", 1, "no marker"); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(strings.TrimSpace(f.comments[0].Body), Marker) {
		t.Errorf("body %q does not end with the marker", f.comments[0].Body)
	}
}

func TestUpsertCommentPermission(t *testing.T) {
	tests := []struct {
		name        string
		method      string
		status      int
		header      map[string]string
		noPerm      bool
		rateLimited bool
	}{
		{"fork read-only token", http.MethodPost, http.StatusForbidden, nil, true, false},
		{"private repository hidden", http.MethodGet, http.StatusNotFound, nil, true, false},
		{"rate limit", http.MethodPost, http.StatusForbidden, map[string]string{"X-RateLimit-Remaining": "0"}, false, true},
		{"server error", http.MethodPost, http.StatusBadGateway, nil, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGitHub(t)
			f.failOn[tt.method] = tt.status
			if tt.header != nil {
				inner := f.srv.Config.Handler
				f.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					for k, v := range tt.header {
						w.Header().Set(k, v)
					}
					inner.ServeHTTP(w, r)
				})
			}
			_, _, err := f.client().UpsertComment(context.Background(), "o/r", 1, "body")
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != tt.status {
				t.Fatalf("want an APIError with status %d, got %v", tt.status, err)
			}
			if got := errors.Is(err, ErrNoPermission); got != tt.noPerm {
				t.Errorf("errors.Is(err, ErrNoPermission) = %v, want %v (%v)", got, tt.noPerm, err)
			}
			if apiErr.RateLimited != tt.rateLimited {
				t.Errorf("RateLimited = %v, want %v", apiErr.RateLimited, tt.rateLimited)
			}
			if strings.Contains(err.Error(), f.token) {
				t.Errorf("error leaks the token: %v", err)
			}
		})
	}
}

func TestPaginationStaysOnTheAPIHost(t *testing.T) {
	f := newFakeGitHub(t)
	f.addHumanComments(150)
	f.foreignNext = true
	_, _, err := f.client().UpsertComment(context.Background(), "o/r", 1, "body")
	if err == nil || !strings.Contains(err.Error(), "another host") {
		t.Fatalf("want a refusal to follow a next link to another host, got %v", err)
	}
}

func TestChangedFiles(t *testing.T) {
	f := newFakeGitHub(t)
	f.pageSize = 2
	for i, st := range []string{"added", "modified", "removed", "renamed", "modified"} {
		f.files = append(f.files, map[string]string{"filename": fmt.Sprintf("deploy/%d.toml", i), "status": st})
	}
	env := prEnv(t, f, 7)
	got, err := ChangedFiles(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	want := "deploy/0.toml deploy/1.toml deploy/3.toml deploy/4.toml"
	if strings.Join(got, " ") != want {
		t.Errorf("got %v, want %s", got, want)
	}
	if n := f.count("GET /repos/stepstone-dev/demo/pulls/7/files"); n != 3 {
		t.Errorf("%d pages fetched, want 3", n)
	}

	env.EventName = "push"
	if _, err := ChangedFiles(context.Background(), env); !errors.Is(err, ErrNotPullRequest) {
		t.Errorf("on push: want ErrNotPullRequest, got %v", err)
	}
}

func TestNextLink(t *testing.T) {
	tests := []struct{ header, want string }{
		{``, ``},
		{`<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=5>; rel="last"`, `https://api.github.com/x?page=2`},
		{`<https://api.github.com/x?page=1>; rel="prev", <https://api.github.com/x?page=3>; rel="next"`, `https://api.github.com/x?page=3`},
		{`<https://api.github.com/x?page=1>; rel="first"`, ``},
		{`<https://h/x?page=2>; rel="next last"`, `https://h/x?page=2`},
		{`garbage`, ``},
		{`<https://h/x?page=2>; REL=next`, `https://h/x?page=2`},
	}
	for _, tt := range tests {
		if got := nextLink(tt.header); got != tt.want {
			t.Errorf("nextLink(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}

func TestRepoPathSegments(t *testing.T) {
	for _, bad := range []string{"", "o", "o/", "/r", "o/r/x"} {
		if _, err := repoPathSegments(bad); err == nil {
			t.Errorf("repository %q accepted", bad)
		}
	}
	got, err := repoPathSegments("my org/r?x")
	if err != nil || got != "my%20org/r%3Fx" {
		t.Errorf("got %q, %v", got, err)
	}
}
