package main

import (
	"bytes"
	"unicode/utf8"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/internal/redact"
	"github.com/stepstone-dev/stepstone/report"
)

// snippetSource shows the human report the lines of the loaded files, with
// every secret the file holds, and anything that looks like a credential,
// masked. Files the run did not load (a cluster manifest, stdin shown as
// "<stdin>" is loaded and works) get no snippet: nothing is read again
// from disk.
func snippetSource(files []*configs.File) report.SourceLine {
	type source struct {
		f     *configs.File
		lines [][]byte
		red   *redact.Redactor
	}
	byPath := map[string]*source{}
	for _, f := range files {
		if f != nil && len(f.Source) > 0 {
			byPath[f.Path] = &source{f: f}
		}
	}
	return func(file string, n int) (string, int, bool) {
		s := byPath[file]
		if s == nil || n <= 0 {
			return "", 0, false
		}
		if s.lines == nil {
			s.lines = bytes.Split(s.f.Source, []byte("\n"))
			s.red = redact.New(configs.Secrets(s.f)...)
		}
		if n > len(s.lines) {
			return "", 0, false
		}
		raw := string(bytes.TrimRight(s.lines[n-1], "\r"))
		shown := s.red.String(redact.MaskValue(raw))
		return shown, samePrefix(raw, shown), true
	}
}

// samePrefix counts the leading runes a and b share.
func samePrefix(a, b string) int {
	n := 0
	for a != "" && b != "" {
		ra, sa := utf8.DecodeRuneInString(a)
		rb, sb := utf8.DecodeRuneInString(b)
		if ra != rb || sa != sb {
			break
		}
		a, b = a[sa:], b[sb:]
		n++
	}
	return n
}
