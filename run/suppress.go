package run

import (
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/fix"
	"github.com/stepstone-dev/stepstone/internal/textsafe"
	"github.com/stepstone-dev/stepstone/report"
	"github.com/stepstone-dev/stepstone/suppress"
)

// attachFixes sets on each finding about lf the edit `stepstone fix`
// makes, for JSON's fix and SARIF's fixes[].
func attachFixes(lf *configs.File, fs []report.Finding) {
	// Working out the fixes reads the file's layout again: only when a
	// finding is of a rule fix repairs.
	for _, f := range fs {
		if _, ok := fix.Fixable[f.Rule]; ok {
			fix.Attach(lf, fs)
			return
		}
	}
}

// dropMovedFix removes a fix from a finding its unit moved into another
// file: the edit's offsets are those of the linted config (kube's merged
// config), not of the file the finding now names. `stepstone fix` edits a
// manifest's config blocks itself.
func dropMovedFix(before, after report.Finding) report.Finding {
	if after.Fix != nil && after.Pos.File != before.Pos.File {
		after.Fix = nil
	}
	return after
}

// texts returns the texts a unit's stepstone:ignore comments are read
// from, by the file name its findings carry.
func (u Unit) texts() map[string][]byte {
	if u.Texts != nil {
		return u.Texts()
	}
	lf := u.lintFile()
	return map[string][]byte{lf.Path: lf.Source}
}

func (u Unit) lintFile() *configs.File {
	if u.LintFile != nil {
		return u.LintFile
	}
	return u.File
}

// suppressor finds the repository file of each directory once.
type suppressor struct {
	repos map[string]*suppress.Repo
	errs  map[string]error
}

// repoFor returns the .stepstone.toml that governs file: the nearest one
// walking up from its directory. A name that is not a file on disk
// ("<stdin>", a resource read from the API server) has none.
func (s *suppressor) repoFor(file string) (*suppress.Repo, string, error) {
	if st, err := os.Stat(file); err != nil || !st.Mode().IsRegular() {
		return nil, "", nil
	}
	dir := filepath.Dir(file)
	if r, done := s.repos[dir]; done {
		return r, s.key(r), s.errs[dir]
	}
	p, err := suppress.Find(dir)
	var r *suppress.Repo
	if err == nil && p != "" {
		r, err = suppress.LoadRepo(p)
		if err != nil {
			r = &suppress.Repo{Path: p} // named, so the error is reported once
		}
	}
	s.repos[dir], s.errs[dir] = r, err
	if err != nil {
		return nil, s.key(r), err
	}
	return r, s.key(r), nil
}

func (s *suppressor) key(r *suppress.Repo) string {
	if r == nil {
		return ""
	}
	return r.Path
}

// owned is a finding with where it goes back to: a component (its index
// in r.Components) or, with comp -1, the cluster findings.
type owned struct {
	f    report.Finding
	comp int
}

// group is the findings, texts and repository file of one repository.
type group struct {
	repo   *suppress.Repo
	err    error
	first  int // the first component of the group, for findings about the repository file
	texts  map[string][]byte
	owners map[string]int // file → component whose texts hold it
	in     []owned
	scoped []suppress.Scoped
}

// suppressUnit is what the suppressions need of a component report: the
// file its repository file is looked up from, the texts of its
// stepstone:ignore comments, and suppressions written elsewhere.
type suppressUnit struct {
	path   string
	texts  map[string][]byte
	scoped []suppress.Scoped
}

// applySuppressions moves the findings the repository accepts
// (stepstone:ignore comments, .stepstone.toml, scoped suppressions) from
// each component's Findings to its Suppressed, and adds the findings about
// the suppressions themselves. comps[n] is what r.Components[n] came from.
func applySuppressions(r *report.Report, comps []suppressUnit, today time.Time) {
	s := &suppressor{repos: map[string]*suppress.Repo{}, errs: map[string]error{}}
	type found struct {
		repo *suppress.Repo
		key  string
		err  error
	}
	repos := make([]found, len(comps))
	none := true // no repository file, no directive, nothing scoped
	for n, u := range comps {
		repo, key, err := s.repoFor(u.path)
		if key == "" {
			// A unit whose config is not a file of its own (kube) takes
			// the repository of the file its findings are moved into.
			// Its own file has just been asked, and each ask is a stat.
			own := found{repo, key, err}
			for _, file := range sortedKeys(u.texts) {
				if file == u.path {
					repo, key, err = own.repo, own.key, own.err
				} else {
					repo, key, err = s.repoFor(file)
				}
				if key != "" {
					break
				}
			}
		}
		repos[n] = found{repo, key, err}
		none = none && key == "" && err == nil && len(u.scoped) == 0
		for _, text := range u.texts {
			none = none && !suppress.Mentioned(text)
		}
	}
	if none {
		// Nothing can be suppressed or said about suppressions: the
		// findings stay where they are (most runs; a thousand files would
		// otherwise copy every finding twice).
		return
	}
	groups := map[string]*group{}
	var order []string
	fileGroup := map[string]*group{}
	fileComp := map[string]int{}
	for n, u := range comps {
		repo, key, err := repos[n].repo, repos[n].key, repos[n].err
		texts := u.texts
		g := groups[key]
		if g == nil {
			g = &group{repo: repo, err: err, first: n, texts: map[string][]byte{}, owners: map[string]int{}}
			groups[key] = g
			order = append(order, key)
		}
		g.scoped = append(g.scoped, u.scoped...)
		for _, sc := range u.scoped {
			// Findings about the scoped suppressions go to the report
			// that carries them.
			if _, ok := g.owners[sc.Pos.File]; !ok {
				g.owners[sc.Pos.File] = n
			}
		}
		for file, text := range texts {
			g.texts[file] = text
			fileGroup[file] = g
			if _, ok := fileComp[file]; !ok {
				fileComp[file] = n
				g.owners[file] = n
			}
		}
		for _, f := range r.Components[n].Findings {
			g.in = append(g.in, owned{f, n})
		}
		r.Components[n].Findings = nil
	}
	for _, f := range r.ClusterFindings {
		g := fileGroup[f.Pos.File]
		if g == nil {
			g = groups[order[0]]
		}
		g.in = append(g.in, owned{f, -1})
	}
	r.ClusterFindings = nil
	put := func(f report.Finding, comp int) {
		if comp < 0 {
			r.ClusterFindings = append(r.ClusterFindings, f)
		} else {
			r.Components[comp].Findings = append(r.Components[comp].Findings, f)
		}
	}
	for _, key := range order {
		g := groups[key]
		var in []report.Finding
		for _, o := range g.in {
			in = append(in, o.f)
		}
		var repo *suppress.Repo
		if g.err == nil {
			repo = g.repo
		}
		res := suppress.Apply(suppress.Input{Findings: in, Files: g.texts, Repo: repo, Today: today, Scoped: g.scoped})
		kept, sup := 0, 0
		for i, o := range g.in {
			if res.Accepted[i] {
				if o.comp < 0 {
					// A cluster finding has no component to keep it
					// aside; it names its file, whose component shows it.
					owner, ok := fileComp[o.f.Pos.File]
					if !ok {
						owner = g.first
					}
					r.Components[owner].Suppressed = append(r.Components[owner].Suppressed, res.Suppressed[sup])
				} else {
					r.Components[o.comp].Suppressed = append(r.Components[o.comp].Suppressed, res.Suppressed[sup])
				}
				sup++
				continue
			}
			put(res.Findings[kept], o.comp)
			kept++
		}
		for _, m := range res.Findings[kept:] {
			owner, ok := g.owners[m.Pos.File]
			if !ok {
				owner = g.first
			}
			put(m, owner)
		}
		if g.err != nil {
			put(report.Finding{Rule: suppress.RuleConfig, Severity: report.Error, Pos: report.Position{File: key},
				Message:    textsafe.Line(g.err.Error()),
				Suggestion: "fix " + suppress.FileName + "; until then its suppressions are not applied"}, g.first)
		}
	}
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
