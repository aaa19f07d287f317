package suppress

import (
	"fmt"
	"strings"
	"time"

	"github.com/stepstone-dev/stepstone/report"
)

// Rule ids of the findings about suppressions themselves.
const (
	RuleNoReason = "suppression-no-reason"
	RuleExpired  = "suppression-expired"
	RuleUnused   = "suppression-unused"
	// RuleConfig is an unreadable .stepstone.toml, whose suppressions are
	// then not applied.
	RuleConfig = "stepstone-config"
)

// Rules describes the findings Apply adds, for `stepstone rules` and SARIF.
func Rules() []report.Rule {
	return []report.Rule{
		{ID: RuleNoReason, Severity: report.Warning, Summary: "a stepstone:ignore or [[ignore]] without a reason", Help: "say why the finding is accepted after the rule ids, so the next reader knows"},
		{ID: RuleExpired, Severity: report.Warning, Summary: "a suppression past its until= date; the finding it covered is reported again", Help: "fix the finding, or move the until= date with a reason"},
		{ID: RuleUnused, Severity: report.Info, Summary: "a suppression that matched no finding", Help: "remove it: the finding it was written for is gone"},
		{ID: RuleConfig, Severity: report.Error, Summary: "a " + FileName + " stepstone cannot read; its suppressions and settings are not applied", Help: "fix the file: the message says what is wrong"},
	}
}

// Input is what Apply needs: the findings of a run, the text of each
// config file by the name findings use, and the repository file (nil for
// none).
type Input struct {
	Findings []report.Finding
	Files    map[string][]byte
	Repo     *Repo
	// Today decides expiry; a suppression with until= today still holds.
	Today time.Time
	// Scoped are directives written outside the texts (kube: an
	// annotation on the resource).
	Scoped []Scoped
}

// Result splits the findings.
type Result struct {
	// Findings are the findings still reported, plus findings about the
	// suppressions themselves.
	Findings []report.Finding
	// Suppressed are the accepted findings, each with Suppressed set.
	Suppressed []report.Finding
	// Accepted says, for each of Input.Findings in order, whether it went
	// to Suppressed; the others are the first entries of Findings, in
	// order, before the findings about suppressions.
	Accepted []bool
}

// All returns the reported and the suppressed findings together, as SARIF
// wants them.
func (r Result) All() []report.Finding {
	return append(append([]report.Finding(nil), r.Findings...), r.Suppressed...)
}

type source struct {
	kind, where, reason string
	rules               []string
	until               time.Time
	used                bool
	pos                 report.Position
	file                string // "" for a repository entry
	target              int    // line, 0 for file-level
	entry               *Entry
	badUntil            string
	covers              func(file string) bool // a Scoped directive's files
}

// Apply suppresses the findings the directives and the repository file
// accept. A suppression without a reason still suppresses, with a warning;
// an expired one no longer suppresses and says since when; one that
// matched nothing is reported as info.
func Apply(in Input) Result {
	today := in.Today
	if today.IsZero() {
		today = time.Now()
	}
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	var sources []*source
	var meta []report.Finding
	for file, text := range in.Files {
		for _, d := range Parse(text) {
			s := &source{kind: "inSource", reason: d.Reason, rules: d.Rules, until: d.Until, file: file, target: d.Target,
				pos: report.Position{File: file, Line: d.Line}, badUntil: d.BadUntil}
			s.where = s.pos.String()
			if d.FileLevel {
				s.target = 0
			} else if d.Target == 0 {
				continue // a comment at the end with no line after it
			}
			sources = append(sources, s)
		}
	}
	if in.Repo != nil {
		for i := range in.Repo.Ignore {
			e := &in.Repo.Ignore[i]
			until, _ := e.until()
			s := &source{kind: "external", reason: e.Reason, rules: e.Rules, until: until, entry: e,
				pos: report.Position{File: in.Repo.Path}, where: fmt.Sprintf("%s [[ignore]] %d", in.Repo.Path, i+1)}
			sources = append(sources, s)
		}
	}
	for _, sc := range in.Scoped {
		for _, d := range sc.Directives {
			sources = append(sources, &source{kind: "external", reason: d.Reason, rules: d.Rules, until: d.Until,
				pos: sc.Pos, where: sc.Where, badUntil: d.BadUntil, covers: sc.Covers})
		}
	}
	// Sources in a stable order: by where they are written.
	sortSources(sources)
	res := Result{Accepted: make([]bool, len(in.Findings))}
	for i, f := range in.Findings {
		var by *source
		for _, s := range sources {
			if !s.applies(in.Repo, f) {
				continue
			}
			s.used = true
			if !s.until.IsZero() && today.After(s.until) {
				continue // expired: reported below, once
			}
			if by == nil {
				by = s
			}
		}
		if by == nil {
			res.Findings = append(res.Findings, f)
			continue
		}
		just := by.reason
		if just == "" {
			just = "(no reason given)"
		}
		f.Suppressed = &report.Suppression{Kind: by.kind, Justification: just, Location: by.where}
		res.Suppressed = append(res.Suppressed, f)
		res.Accepted[i] = true
	}
	for _, s := range sources {
		name := strings.Join(s.rules, ",")
		switch {
		case len(s.rules) == 0:
			meta = append(meta, report.Finding{Rule: RuleNoReason, Severity: report.Warning, Pos: s.pos,
				Message: "stepstone:ignore names no rule, so it suppresses nothing", Suggestion: "write the rule ids, then the reason: # stepstone:ignore rule-id why"})
			continue
		case s.badUntil != "":
			meta = append(meta, report.Finding{Rule: RuleExpired, Severity: report.Warning, Pos: s.pos,
				Message: fmt.Sprintf("suppression of %s has until=%q, which is not a date (YYYY-MM-DD), so it suppresses without end", name, s.badUntil), Suggestion: "write until=YYYY-MM-DD"})
		}
		if s.reason == "" {
			meta = append(meta, report.Finding{Rule: RuleNoReason, Severity: report.Warning, Pos: s.pos,
				Message: fmt.Sprintf("suppression of %s gives no reason", name), Suggestion: "say why the finding is accepted after the rule ids"})
		}
		if !s.until.IsZero() && today.After(s.until) {
			days := int(today.Sub(s.until).Hours() / 24)
			if s.used {
				meta = append(meta, report.Finding{Rule: RuleExpired, Severity: report.Warning, Pos: s.pos,
					Message:    fmt.Sprintf("suppression of %s expired on %s (%d day(s) ago); its findings are reported again", name, s.until.Format("2006-01-02"), days),
					Suggestion: "fix the finding, or move the until= date with a reason"})
				continue
			}
		}
		if !s.used && s.concerns(in) {
			meta = append(meta, report.Finding{Rule: RuleUnused, Severity: report.Info, Pos: s.pos,
				Message: fmt.Sprintf("suppression of %s matched no finding", name), Suggestion: "remove it"})
		}
	}
	res.Findings = append(res.Findings, meta...)
	return res
}

// concerns reports whether the source is about a file of this run: a
// repository entry whose paths take in none of in.Files was written for
// files this run did not check, so its being unused says nothing.
func (s *source) concerns(in Input) bool {
	if s.covers != nil || s.entry == nil || len(s.entry.Paths) == 0 {
		return true
	}
	for file := range in.Files {
		if in.Repo.matches(*s.entry, file) {
			return true
		}
	}
	return false
}

// applies reports whether the source covers the finding.
func (s *source) applies(repo *Repo, f report.Finding) bool {
	covered := false
	for _, r := range s.rules {
		if r == f.Rule {
			covered = true
		}
	}
	if !covered {
		return false
	}
	if s.entry != nil {
		return repo.matches(*s.entry, f.Pos.File)
	}
	if s.covers != nil {
		return s.covers(f.Pos.File)
	}
	if f.Pos.File != s.file {
		return false
	}
	return s.target == 0 || f.Pos.Line == s.target || (f.Pos.Line <= s.target && f.EndLine >= s.target)
}

func sortSources(ss []*source) {
	for i := 1; i < len(ss); i++ {
		for j := i; j > 0 && less(ss[j], ss[j-1]); j-- {
			ss[j], ss[j-1] = ss[j-1], ss[j]
		}
	}
}

func less(a, b *source) bool {
	if a.pos.File != b.pos.File {
		return a.pos.File < b.pos.File
	}
	if a.pos.Line != b.pos.Line {
		return a.pos.Line < b.pos.Line
	}
	return a.where < b.where
}
