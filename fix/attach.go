package fix

import (
	"bytes"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

// Attach sets Fix on each finding about f that a fix repairs (same rule
// and key), so the JSON report carries the edit and SARIF its fixes[].
// Fixes are those of one round (Compute): what a later round would fix
// shows up after the next run. Secrets never reach an edit's text: a fix
// whose replacement holds one is not attached.
func Attach(f *configs.File, findings []report.Finding) {
	if f == nil || len(findings) == 0 {
		return
	}
	// Only a finding about f with a key takes a fix, and only a fix of
	// its rule and key: the fixes no finding can take are not worked out,
	// nor the layout read when there are none. toml-syntax fixes have no
	// key, so the TOML 1.1 scan is left out too.
	if !f.Parsed() {
		return
	}
	p := &producer{comp: f.Component, schema: configs.SchemaFor(f.Component), file: f}
	want := map[string]bool{}
	for _, fd := range findings {
		if fd.Pos.File == f.Path && fd.Key != "" && p.mayFix(fd.Rule, fd.Key) {
			want[fd.Rule] = true
		}
	}
	if len(want) == 0 {
		return
	}
	fixes := compute(f, want, false)
	if len(fixes) == 0 {
		return
	}
	secrets := configs.Secrets(f)
	lt := newLines(f.Source)
	byKey := map[[2]string]*report.Fix{}
	for _, fx := range fixes {
		k := [2]string{fx.Rule, fx.Key}
		if fx.Key == "" || byKey[k] != nil || holdsSecret(fx, secrets) {
			continue
		}
		rf := &report.Fix{Description: fx.Description}
		for _, e := range fx.Edits {
			rf.Edits = append(rf.Edits, report.FixEdit{
				Range: report.FixRange{
					Start: lt.pos(f.Path, e.Start), End: lt.pos(f.Path, e.End),
					StartOffset: e.Start, EndOffset: e.End,
				},
				Replacement: e.Text,
			})
		}
		byKey[k] = rf
	}
	for i := range findings {
		if fd := &findings[i]; fd.Pos.File == f.Path {
			if rf := byKey[[2]string{fd.Rule, fd.Key}]; rf != nil {
				fd.Fix = rf
			}
		}
	}
}

// mayFix reports whether a producer could make a fix of rule for key,
// from what each requires of its keys before it looks at the layout. It
// must never say no to a fix a producer makes (TestAttachSameAsOld).
func (p *producer) mayFix(rule, key string) bool {
	switch rule {
	case "renamed-key", "deprecated-key":
		tg, ok := p.target(configs.SchemaKey(key))
		return ok && tg.rule == rule
	case "key-not-for-type":
		table, leaf := splitLast(key)
		return leaf == "secret_access_key" && strings.HasPrefix(table, "storage")
	case "invalid-enum", "invalid-size", "invalid-duration", "type-mismatch":
		return p.schema.Lookup(configs.SchemaKey(key)) != nil
	}
	return false
}

func holdsSecret(fx Fix, secrets []string) bool {
	for _, e := range fx.Edits {
		for _, s := range secrets {
			if s != "" && bytes.Contains([]byte(e.Text), []byte(s)) {
				return true
			}
		}
	}
	return false
}

// lines turns byte offsets into 1-based lines and character columns.
type lines struct {
	src    []byte
	starts []int
}

func newLines(src []byte) *lines {
	st := []int{0}
	for i, b := range src {
		if b == '\n' {
			st = append(st, i+1)
		}
	}
	return &lines{src: src, starts: st}
}

func (l *lines) pos(file string, off int) report.Position {
	line := sort.Search(len(l.starts), func(i int) bool { return l.starts[i] > off }) - 1
	return report.Position{File: file, Line: line + 1, Col: utf8.RuneCount(l.src[l.starts[line]:off]) + 1}
}
