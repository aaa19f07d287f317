// Package textsafe makes text from configs, file names, the environment and
// servers safe to print on a terminal or in a CI log: control characters
// (C0, C1, DEL, and so every ESC sequence), Unicode format characters
// (bidirectional overrides and isolates, zero-width characters, the BOM),
// line and paragraph separators and invalid UTF-8 are written as Go
// escapes, and no line can start a GitHub workflow command ("::" after any
// white space, as the runner trims it).
package textsafe

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Line returns s as one safe line: every line break is escaped too.
func Line(s string) string {
	return neutralise(escape(s, false))
}

// Text returns s safe to print, keeping its line breaks ("\n"; a "\r\n" is
// kept as "\n"); every line is safe as Line would make it.
func Text(s string) string {
	if !needsWork(s, true) && !strings.Contains(s, "::") {
		return s
	}
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = neutralise(escape(l, false))
	}
	return strings.Join(lines, "\n")
}

// Unsafe reports whether r is written as an escape.
func Unsafe(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Zl, r) ||
		unicode.Is(unicode.Zp, r) || r == utf8.RuneError
}

func needsWork(s string, keepLF bool) bool {
	for _, r := range s {
		if keepLF && r == '\n' {
			continue
		}
		if Unsafe(r) {
			return true
		}
	}
	return false
}

func escape(s string, keepLF bool) string {
	if !needsWork(s, keepLF) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case keepLF && r == '\n':
			b.WriteByte('\n')
		case Unsafe(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// neutralise writes the first ':' of a line that would start a workflow
// command ("::" after white space) as \x3a.
func neutralise(line string) string {
	rest := strings.TrimLeftFunc(line, isRunnerSpace)
	if !strings.HasPrefix(rest, "::") {
		return line
	}
	lead := line[:len(line)-len(rest)]
	return lead + `\x3a` + rest[1:]
}

// isRunnerSpace is the white space the Actions runner trims before it looks
// for "::" (.NET's char.IsWhiteSpace): Unicode spaces and the controls
// U+0009-U+000D, U+0085.
func isRunnerSpace(r rune) bool {
	return unicode.IsSpace(r) || unicode.Is(unicode.Zs, r) || r == '\u180e' || r == '\ufeff' || r == '\u200b'
}
