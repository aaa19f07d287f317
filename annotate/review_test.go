package annotate

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stepstone-dev/stepstone/report"
)

// reviewServer is the recording fake GitHub with the pull request review
// endpoints: list files (with patches), list, create (as a review) and
// delete review comments.
// https://docs.github.com/en/rest/pulls/reviews, https://docs.github.com/en/rest/pulls/comments
type reviewServer struct {
	*fakeGitHub
	reviews  int
	comments []reviewComment
}

func newReviewServer(t *testing.T, patch string) *reviewServer {
	f := &fakeGitHub{t: t, token: "ghs_test_token", pageSize: 100, failOn: map[string]int{}}
	f.files = []map[string]string{{"filename": "deploy/datanode.toml", "status": "modified", "patch": patch}}
	rs := &reviewServer{fakeGitHub: f}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /repos/{owner}/{repo}/pulls/{number}/files", f.listFiles)
	mux.HandleFunc("GET /repos/{owner}/{repo}/pulls/{number}/comments", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		writeJSON(w, http.StatusOK, page(f, w, r, rs.comments))
	})
	mux.HandleFunc("POST /repos/{owner}/{repo}/pulls/{number}/reviews", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Event    string          `json:"event"`
			Body     string          `json:"body"`
			Comments []reviewComment `json:"comments"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Event != "COMMENT" {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "Validation Failed"})
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		rs.reviews++
		for _, c := range in.Comments {
			if c.Side != "RIGHT" || c.Line == 0 || (c.StartLine != 0 && c.StartLine >= c.Line) {
				writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "Validation Failed: line"})
				return
			}
			c.ID = int64(5000 + len(rs.comments))
			rs.comments = append(rs.comments, c)
		}
		writeJSON(w, http.StatusOK, map[string]any{"id": rs.reviews})
	})
	mux.HandleFunc("DELETE /repos/{owner}/{repo}/pulls/comments/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
		f.mu.Lock()
		defer f.mu.Unlock()
		for i, c := range rs.comments {
			if c.ID == id {
				rs.comments = append(rs.comments[:i], rs.comments[i+1:]...)
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
	})
	f.srv = httptest.NewServer(f.check(mux))
	t.Cleanup(f.srv.Close)
	return rs
}

func TestBuildSuggestions(t *testing.T) {
	src := []byte("[storage]\r\ntype = \"s3\"\r\nmode = \"x\"\r\n")
	fs := []report.Finding{
		{Rule: "invalid-enum", Pos: report.Position{File: "d.toml", Line: 2}, Fix: &report.Fix{Description: `write storage.type as "S3"`,
			Edits: []report.FixEdit{{Range: report.FixRange{StartOffset: 19, EndOffset: 21}, Replacement: "S3"}}}},
		{Rule: "renamed-key", Pos: report.Position{File: "d.toml", Line: 3}, Fix: &report.Fix{Description: "delete mode",
			Edits: []report.FixEdit{{Range: report.FixRange{StartOffset: 24, EndOffset: 36}}}}},
	}
	got := BuildSuggestions(fs, func(string) ([]byte, bool) { return src, true }, func(f string) string { return "deploy/" + f })
	if len(got) != 2 || got[0].Line != 2 || got[0].Replacement != "type = \"S3\"\n" || got[1].Line != 3 || got[1].Replacement != "" {
		t.Fatalf("got %+v", got)
	}
}

func TestPostSuggestionsOnceThenReplaces(t *testing.T) {
	patch := "@@ -1,2 +1,4 @@\n [storage]\n+type = \"s3\"\n+bucket = \"b\"\n+mode = \"x\""
	rs := newReviewServer(t, patch)
	c := rs.client()
	ctx := context.Background()
	sugs := []Suggestion{
		{Path: "deploy/datanode.toml", StartLine: 2, Line: 2, Replacement: "type = \"S3\"\n", Rule: "invalid-enum", Message: "write S3"},
		{Path: "deploy/datanode.toml", StartLine: 1, Line: 1, Replacement: "[storage]\n", Rule: "x", Message: "on a context line"},
		{Path: "deploy/datanode.toml", StartLine: 3, Line: 4, Replacement: "", Rule: "renamed-key", Message: "two lines"},
	}
	res, err := c.PostSuggestions(ctx, "o/r", 7, sugs)
	if err != nil {
		t.Fatal(err)
	}
	if res.Posted != 2 || res.NotInDiff != 1 || rs.reviews != 1 || len(rs.comments) != 2 {
		t.Fatalf("first run: %+v, reviews %d, comments %d", res, rs.reviews, len(rs.comments))
	}
	if !strings.Contains(rs.comments[0].Body, "```suggestion\ntype = \"S3\"\n```") || rs.comments[1].StartLine != 3 {
		t.Errorf("comments: %+v", rs.comments)
	}
	// The same run again posts nothing and keeps both.
	res, err = c.PostSuggestions(ctx, "o/r", 7, sugs)
	if err != nil || res.Posted != 0 || res.Kept != 2 || rs.reviews != 1 {
		t.Fatalf("second run: %+v %v, reviews %d", res, err, rs.reviews)
	}
	// After a push that fixed the enum by hand, the stale suggestion goes.
	res, err = c.PostSuggestions(ctx, "o/r", 7, sugs[2:])
	if err != nil || res.Removed != 1 || res.Kept != 1 || len(rs.comments) != 1 || rs.count("DELETE ") != 1 {
		t.Fatalf("third run: %+v %v, comments %+v", res, err, rs.comments)
	}
}

func TestPostSuggestionsCapped(t *testing.T) {
	var patch strings.Builder
	patch.WriteString("@@ -0,0 +1,40 @@\n")
	var sugs []Suggestion
	for i := 1; i <= 40; i++ {
		patch.WriteString("+k" + strconv.Itoa(i) + " = 1\n")
		sugs = append(sugs, Suggestion{Path: "deploy/datanode.toml", StartLine: i, Line: i, Replacement: "x = 1\n", Rule: "r", Message: "m"})
	}
	rs := newReviewServer(t, patch.String())
	res, err := rs.client().PostSuggestions(context.Background(), "o/r", 7, sugs)
	if err != nil || res.Posted != MaxSuggestions || res.Capped != 40-MaxSuggestions || rs.reviews != 1 {
		t.Fatalf("%+v %v", res, err)
	}
}

func TestPostSuggestionsForkDegrades(t *testing.T) {
	rs := newReviewServer(t, "@@ -0,0 +1 @@\n+a = 1")
	rs.failOn["POST"] = http.StatusForbidden
	_, err := rs.client().PostSuggestions(context.Background(), "o/r", 7, []Suggestion{{Path: "deploy/datanode.toml", StartLine: 1, Line: 1, Replacement: "b = 1\n", Rule: "r"}})
	if !errors.Is(err, ErrNoPermission) {
		t.Fatalf("want ErrNoPermission, got %v", err)
	}
}
