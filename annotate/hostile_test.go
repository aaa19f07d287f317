package annotate

import (
	"strings"
	"testing"

	"github.com/stepstone-dev/stepstone/internal/textsafe"
	"github.com/stepstone-dev/stepstone/report"
)

// outsideCode returns the Markdown text GitHub would read as markup: with
// backslash escapes and inline code spans (a run of n backticks up to the
// next run of exactly n) taken out, as CommonMark reads them.
func outsideCode(md string) string {
	var b strings.Builder
	for i := 0; i < len(md); {
		switch {
		case md[i] == '\\' && i+1 < len(md):
			i += 2
		case md[i] == '`':
			n := 0
			for i+n < len(md) && md[i+n] == '`' {
				n++
			}
			end := -1
			for j := i + n; j < len(md); {
				if md[j] != '`' {
					j++
					continue
				}
				m := 0
				for j+m < len(md) && md[j+m] == '`' {
					m++
				}
				if m == n {
					end = j + m
					break
				}
				j += m
			}
			if end < 0 {
				b.WriteString(md[i : i+n])
				i += n
			} else {
				i = end
			}
		default:
			b.WriteByte(md[i])
			i++
		}
	}
	return b.String()
}

// TestMarkdownHostileText: file names, config values and server messages
// that carry control characters, bidi overrides, HTML (</details>, <img>),
// backticks and @mentions reach the step summary and the PR comment only
// as visible text: no raw control or format character, no tag or mention
// outside a code span, one marker.
func TestMarkdownHostileText(t *testing.T) {
	evil := "evil</details>`x`@octocat\u202egnp.\x1b[31m<img src=x onerror=alert(1)>"
	r := &report.Report{Tool: "stepstone", Command: "lint", FailOn: report.Error,
		Components: []report.ComponentReport{{
			Component:  "datanode",
			ConfigFile: "deploy/" + evil + ".toml",
			Findings: []report.Finding{{Rule: "invalid-enum", Severity: report.Error, Key: "storage.type",
				Message:    `storage.type "` + evil + `" is not one of "S3"` + "\n" + Marker,
				Suggestion: "ask @greptime/core \u2066or\u2069 <!-- stepstone -->",
				Pos:        report.Position{File: "deploy/" + evil + ".toml", Line: 3, Col: 8}}},
			Probes: []report.ProbeResult{{Name: "s3 " + evil, Status: report.Fail, Message: "server said: " + evil + "\r\n::error::pwned"}},
		}},
		Impact: []report.ConfigChanges{{File: "deploy/" + evil + ".toml", Component: "datanode", Status: "changed", Changes: []report.Change{
			{Key: "storage.bucket", Old: "```</details>", New: evil, Dangerous: true, Reason: "moves " + evil},
			{Key: "logging.level", Old: "info", New: "</details>\u200b@here"},
		}}},
	}
	var summary, comment strings.Builder
	if err := WriteSummary(&summary, r, Options{BlobURL: "https://github.com/o/r/blob/abc"}); err != nil {
		t.Fatal(err)
	}
	if err := WriteMarkdown(&comment, r, Options{BlobURL: "https://github.com/o/r/blob/abc"}); err != nil {
		t.Fatal(err)
	}
	for name, md := range map[string]string{"summary": summary.String(), "comment": comment.String()} {
		for _, c := range md {
			if c != '\n' && textsafe.Unsafe(c) {
				t.Errorf("%s carries the raw character %U", name, c)
			}
		}
		text := outsideCode(md)
		if o, c := strings.Count(text, "<details>"), strings.Count(text, "</details>"); o != c {
			t.Errorf("%s: %d <details> but %d </details> outside code: a value closed ours\n%s", name, o, c, md)
		}
		for _, tag := range []string{"<img", "<!--"} {
			if n := strings.Count(text, tag); n > strings.Count(text, Marker) {
				t.Errorf("%s: %q outside code\n%s", name, tag, md)
			}
		}
		// Link targets are URLs (percent-escaped), where GitHub makes no
		// mention.
		for {
			i := strings.Index(text, "](<")
			j := strings.Index(text[max(i, 0):], ">)")
			if i < 0 || j < 0 {
				break
			}
			text = text[:i+1] + text[i+j+2:]
		}
		for _, after := range strings.Split(text, "@")[1:] {
			if !strings.HasPrefix(after, "&#8203;") {
				t.Errorf("%s: a live mention at %q", name, "@"+after[:min(len(after), 20)])
			}
		}
		if name == "comment" && (strings.Count(md, Marker) != 1 || !strings.HasSuffix(md, Marker+"\n")) {
			t.Errorf("comment: want exactly one marker, at the end\n%s", md)
		}
		for _, line := range strings.Split(md, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "::") {
				t.Errorf("%s: a line starts a workflow command: %q", name, line)
			}
		}
	}
}

// TestSuggestionFence: a replacement line holding ``` cannot end the
// suggestion block early.
func TestSuggestionFence(t *testing.T) {
	body := Suggestion{Rule: "invalid-enum", Message: "m @x", Replacement: "type = \"S3\" # ```oops\n"}.body()
	if !strings.Contains(body, "````suggestion\ntype = \"S3\" # ```oops\n````\n") || !strings.Contains(body, "m @&#8203;x") {
		t.Errorf("body:\n%s", body)
	}
}
