package annotate

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/stepstone-dev/stepstone/report"
)

// SuggestionMarker ends every review comment stepstone writes, so the next
// run finds its own suggestions to keep or replace.
const SuggestionMarker = "<!-- stepstone-suggestion -->"

// MaxSuggestions caps the review comments of one run; the rest are counted
// for the summary.
const MaxSuggestions = 25

// maxSuggestionLines bounds the lines one suggestion replaces: a fix that
// moves a key across the file is not a one-click suggestion.
const maxSuggestionLines = 8

// Suggestion is one fix offered as a review comment: the whole lines
// StartLine..Line of Path (on the pull request's head) become Replacement.
type Suggestion struct {
	Path            string
	StartLine, Line int
	Replacement     string
	Rule, Message   string
}

// body renders the review comment. The replacement is the config's own
// lines and must stay byte for byte; a line of it holding ``` (in a
// comment, say) would end a three-backtick fence early, so the fence is
// longer than any backtick run inside, as CommonMark allows.
func (s Suggestion) body() string {
	longest, run := 0, 0
	for _, r := range s.Replacement {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", max(3, longest+1))
	return fmt.Sprintf("**%s**: %s\n\n%ssuggestion\n%s%s\n%s", escapeText(s.Rule), escapeText(s.Message), fence, s.Replacement, fence, SuggestionMarker)
}

// BuildSuggestions turns the fixes of findings into suggestions on the
// files' text (source returns a file's bytes by the name findings use;
// path turns that name into the repository path). A fix whose edits span
// more than a few lines is left out.
func BuildSuggestions(findings []report.Finding, source func(file string) ([]byte, bool), path func(file string) string) []Suggestion {
	var out []Suggestion
	seen := map[string]bool{}
	for _, f := range findings {
		if f.Fix == nil || len(f.Fix.Edits) == 0 {
			continue
		}
		src, ok := source(f.Pos.File)
		if !ok {
			continue
		}
		s, ok := suggestionFor(src, f.Fix.Edits)
		if !ok {
			continue
		}
		s.Path, s.Rule, s.Message = path(f.Pos.File), f.Rule, f.Fix.Description
		key := s.Path + ":" + strconv.Itoa(s.Line) + ":" + s.Replacement
		if s.Path == "" || seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, s)
	}
	return out
}

// suggestionFor applies edits to the whole lines they touch.
func suggestionFor(src []byte, edits []report.FixEdit) (Suggestion, bool) {
	lo, hi := len(src), 0
	for _, e := range edits {
		if e.Range.StartOffset < 0 || e.Range.EndOffset > len(src) || e.Range.StartOffset > e.Range.EndOffset {
			return Suggestion{}, false
		}
		lo, hi = min(lo, e.Range.StartOffset), max(hi, e.Range.EndOffset)
	}
	// Widen to whole lines; an edit that ends at a line's start (a line
	// deleted with its newline) ends on the line before.
	start := strings.LastIndexByte(string(src[:lo]), '\n') + 1
	end := hi
	if end > start && src[end-1] == '\n' {
		end--
	}
	if i := strings.IndexByte(string(src[end:]), '\n'); i >= 0 {
		end += i
	} else {
		end = len(src)
	}
	first := strings.Count(string(src[:start]), "\n") + 1
	last := first + strings.Count(string(src[start:end]), "\n")
	if last-first+1 > maxSuggestionLines {
		return Suggestion{}, false
	}
	sorted := append([]report.FixEdit(nil), edits...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Range.StartOffset < sorted[j].Range.StartOffset })
	var b strings.Builder
	at := start
	for _, e := range sorted {
		b.Write(src[at:e.Range.StartOffset])
		b.WriteString(e.Replacement)
		at = e.Range.EndOffset
	}
	if at < end {
		b.Write(src[at:end])
	}
	text := strings.TrimSuffix(strings.ReplaceAll(b.String(), "\r\n", "\n"), "\r")
	if text != "" && !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	return Suggestion{StartLine: first, Line: last, Replacement: text}, true
}

// reviewComment is a pull request review comment as the REST API has it.
type reviewComment struct {
	ID        int64  `json:"id,omitempty"`
	Path      string `json:"path"`
	Line      int    `json:"line,omitempty"`
	Side      string `json:"side,omitempty"`
	StartLine int    `json:"start_line,omitempty"`
	StartSide string `json:"start_side,omitempty"`
	Body      string `json:"body"`
}

// ReviewResult says what PostSuggestions did.
type ReviewResult struct {
	Posted, Kept, Removed int
	// Capped counts suggestions left out by MaxSuggestions or because
	// their lines are not in the pull request's diff.
	Capped, NotInDiff int
}

// PostSuggestions offers suggestions on pull request number of repo as
// one review: suggestions already on the pull request from an earlier run
// are kept, stale ones are deleted, and only suggestions on lines the
// pull request adds are posted, at most MaxSuggestions. A 403 or 404
// (a fork's read-only token) matches ErrNoPermission; the caller falls
// back to annotations.
// https://docs.github.com/en/rest/pulls/reviews#create-a-review-for-a-pull-request
func (c *Client) PostSuggestions(ctx context.Context, repo string, number int, sugs []Suggestion) (ReviewResult, error) {
	var res ReviewResult
	rp, err := repoPathSegments(repo)
	if err != nil {
		return res, err
	}
	added, err := c.addedLines(ctx, rp, number)
	if err != nil {
		return res, err
	}
	var want []reviewComment
	for _, s := range sugs {
		lines := added[s.Path]
		ok := lines != nil
		for l := s.StartLine; ok && l <= s.Line; l++ {
			ok = lines[l]
		}
		if !ok {
			res.NotInDiff++
			continue
		}
		if len(want) >= MaxSuggestions {
			res.Capped++
			continue
		}
		rc := reviewComment{Path: s.Path, Line: s.Line, Side: "RIGHT", Body: s.body()}
		if s.StartLine < s.Line {
			rc.StartLine, rc.StartSide = s.StartLine, "RIGHT"
		}
		want = append(want, rc)
	}
	var old []reviewComment
	err = getAll(ctx, c, fmt.Sprintf("/repos/%s/pulls/%d/comments?per_page=100", rp, number), func(page []reviewComment) {
		for _, rc := range page {
			if strings.HasSuffix(strings.TrimSpace(rc.Body), SuggestionMarker) {
				old = append(old, rc)
			}
		}
	})
	if err != nil {
		return res, err
	}
	same := func(a, b reviewComment) bool { return a.Path == b.Path && a.Line == b.Line && a.Body == b.Body }
	var post []reviewComment
	for _, w := range want {
		kept := false
		for _, o := range old {
			kept = kept || same(o, w)
		}
		if kept {
			res.Kept++
		} else {
			post = append(post, w)
		}
	}
	for _, o := range old {
		stale := true
		for _, w := range want {
			if same(o, w) {
				stale = false
			}
		}
		if stale {
			if _, err := c.do(ctx, http.MethodDelete, c.url(fmt.Sprintf("/repos/%s/pulls/comments/%d", rp, o.ID)), nil, nil); err != nil {
				return res, err
			}
			res.Removed++
		}
	}
	if len(post) == 0 {
		return res, nil
	}
	body := fmt.Sprintf("stepstone can fix %d finding(s) on lines this pull request changes; apply them with one click.", len(post))
	if res.Capped > 0 {
		body += fmt.Sprintf(" %d more are in the job summary (`stepstone fix` applies them all).", res.Capped)
	}
	in := map[string]any{"event": "COMMENT", "body": body + "\n" + SuggestionMarker, "comments": post}
	if _, err := c.do(ctx, http.MethodPost, c.url(fmt.Sprintf("/repos/%s/pulls/%d/reviews", rp, number)), in, nil); err != nil {
		return res, err
	}
	res.Posted = len(post)
	return res, nil
}

// addedLines maps each file of the pull request to the head-side lines
// its patch adds: GitHub takes review comments on lines of the diff, and
// a suggestion belongs on a line the author wrote.
func (c *Client) addedLines(ctx context.Context, rp string, number int) (map[string]map[int]bool, error) {
	type file struct {
		Filename string `json:"filename"`
		Status   string `json:"status"`
		Patch    string `json:"patch"`
	}
	out := map[string]map[int]bool{}
	err := getAll(ctx, c, fmt.Sprintf("/repos/%s/pulls/%d/files?per_page=100", rp, number), func(page []file) {
		for _, f := range page {
			if f.Status != "removed" {
				out[f.Filename] = patchAddedLines(f.Patch)
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("could not list the files of pull request #%d: %w", number, err)
	}
	return out, nil
}

// patchAddedLines reads a unified diff's hunks for the new-side numbers
// of added lines.
func patchAddedLines(patch string) map[int]bool {
	out := map[int]bool{}
	line := 0
	for _, l := range strings.Split(patch, "\n") {
		switch {
		case strings.HasPrefix(l, "@@"):
			// @@ -a,b +c,d @@
			if i := strings.Index(l, "+"); i >= 0 {
				if f := strings.Fields(l[i+1:]); len(f) > 0 {
					n, _ := strconv.Atoi(strings.SplitN(f[0], ",", 2)[0])
					line = n
				}
			}
		case strings.HasPrefix(l, "+"):
			out[line] = true
			line++
		case strings.HasPrefix(l, "-"), strings.HasPrefix(l, "\\"):
		default:
			line++
		}
	}
	return out
}
