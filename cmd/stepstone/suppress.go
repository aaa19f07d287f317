package main

import (
	"path/filepath"
	"time"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
	"github.com/stepstone-dev/stepstone/suppress"
)

// suppressor applies inline stepstone:ignore comments and the nearest
// .stepstone.toml to each file's findings; repository files are read once
// per directory.
type suppressor struct {
	repos map[string]*suppress.Repo
	errs  map[string]error
	today time.Time
}

func newSuppressor() *suppressor {
	return &suppressor{repos: map[string]*suppress.Repo{}, errs: map[string]error{}, today: time.Now()}
}

// apply returns the findings still reported (with findings about the
// suppressions) and the suppressed ones.
func (s *suppressor) apply(f *configs.File, findings []report.Finding) (kept, suppressed []report.Finding) {
	var repo *suppress.Repo
	var extra []report.Finding
	if f.Path != "<stdin>" {
		dir := filepath.Dir(f.Path)
		if _, done := s.repos[dir]; !done && s.errs[dir] == nil {
			p, err := suppress.Find(dir)
			if err == nil && p != "" {
				s.repos[dir], err = suppress.LoadRepo(p)
			} else {
				s.repos[dir] = nil
			}
			s.errs[dir] = err
		}
		repo = s.repos[dir]
		if err := s.errs[dir]; err != nil {
			extra = append(extra, report.Finding{Rule: "stepstone-config", Severity: report.Error, Pos: report.Position{File: f.Path},
				Message: sanitize(err.Error()), Suggestion: "fix " + suppress.FileName + "; until then its suppressions are not applied"})
		}
	}
	res := suppress.Apply(suppress.Input{Findings: findings, Files: map[string][]byte{f.Path: f.Source}, Repo: repo, Today: s.today})
	return append(res.Findings, extra...), res.Suppressed
}
