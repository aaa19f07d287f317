package suppress

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// FileName is the repository file stepstone reads its settings from.
const FileName = ".stepstone.toml"

// Repo is the repository file:
//
//	greptimedb-version = "v0.15.0"
//	fail-on = "warning"
//	placeholders = ['^<[A-Z_]+>$']
//
//	[[ignore]]
//	paths = ["deploy/dev/**"]
//	rules = ["plaintext-secret"]
//	reason = "dev credentials are throwaway"
//	until = 2026-12-31
type Repo struct {
	// Path is where the file was found; Dir is its directory, which the
	// ignore paths are relative to.
	Path, Dir string

	GreptimeDBVersion string   `toml:"greptimedb-version"`
	FailOn            string   `toml:"fail-on"`
	Placeholders      []string `toml:"placeholders"`
	Ignore            []Entry  `toml:"ignore"`
}

// Entry is one [[ignore]] table.
type Entry struct {
	Paths  []string `toml:"paths"`
	Rules  []string `toml:"rules"`
	Reason string   `toml:"reason"`
	// Until is a TOML local date (until = 2026-12-31) or a string.
	Until any `toml:"until"`
}

// until returns the entry's last day, zero for none.
func (e Entry) until() (time.Time, error) {
	switch v := e.Until.(type) {
	case nil:
		return time.Time{}, nil
	case time.Time:
		return time.Date(v.Year(), v.Month(), v.Day(), 0, 0, 0, 0, time.UTC), nil
	case string:
		return time.Parse("2006-01-02", v)
	}
	return time.Time{}, fmt.Errorf("until = %v is not a date", e.Until)
}

// Find walks up from dir to the first directory holding FileName,
// stopping after a directory with .git (the repository's root). It
// returns "" when there is none.
func Find(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("could not look for %s from %q: %w", FileName, dir, err)
	}
	for {
		p := filepath.Join(abs, FileName)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("could not read %q: %w", p, err)
		}
		if _, err := os.Stat(filepath.Join(abs, ".git")); err == nil {
			return "", nil
		}
		parent := filepath.Dir(abs)
		if parent == abs {
			return "", nil
		}
		abs = parent
	}
}

// LoadRepo reads the repository file at p.
func LoadRepo(p string) (*Repo, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("could not read %q: %w", p, err)
	}
	return ParseRepo(p, data)
}

// ParseRepo reads the repository file's text; unknown keys are an error, so a
// misspelt setting does not silently do nothing.
func ParseRepo(p string, data []byte) (*Repo, error) {
	r := &Repo{Path: p, Dir: filepath.Dir(p)}
	md, err := toml.Decode(string(data), r)
	if err != nil {
		return nil, fmt.Errorf("could not read %q: %w", p, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return nil, fmt.Errorf("could not read %q: unknown setting %q", p, und[0].String())
	}
	for i, e := range r.Ignore {
		if len(e.Rules) == 0 {
			return nil, fmt.Errorf("could not read %q: [[ignore]] number %d names no rules", p, i+1)
		}
		if _, err := e.until(); err != nil {
			return nil, fmt.Errorf("could not read %q: [[ignore]] number %d: %w", p, i+1, err)
		}
	}
	return r, nil
}

// matches reports whether the entry's paths take in file (as the report
// names it). No paths means every file. Patterns are relative to the
// repository file's directory, with / separators; * and ? match within a
// name and ** any number of directories.
func (r *Repo) matches(e Entry, file string) bool {
	if len(e.Paths) == 0 {
		return true
	}
	rel := file
	if abs, err := filepath.Abs(file); err == nil && r.Dir != "" {
		if d, err := filepath.Abs(r.Dir); err == nil {
			if x, err := filepath.Rel(d, abs); err == nil {
				rel = x
			}
		}
	}
	rel = filepath.ToSlash(rel)
	for _, p := range e.Paths {
		if globMatch(strings.Split(strings.TrimPrefix(p, "./"), "/"), strings.Split(rel, "/")) {
			return true
		}
	}
	return false
}

func globMatch(pat, parts []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(parts); i++ {
				if globMatch(pat[1:], parts[i:]) {
					return true
				}
			}
			return false
		}
		if len(parts) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], parts[0]); !ok {
			return false
		}
		pat, parts = pat[1:], parts[1:]
	}
	return len(parts) == 0
}
