package fix

import (
	"bytes"
	"fmt"
	"strings"
)

// syntax11 rewrites what TOML 1.1 allows and TOML 1.0 does not. GreptimeDB
// reads its config with the toml crate 0.8 (TOML 1.0) and refuses these,
// while newer editors and parsers accept them:
//   - an inline table over several lines, or with a trailing comma: it is
//     joined onto one line and the comma dropped (not when a comment sits
//     inside it: joining would swallow the rest of the line);
//   - the escapes \e and \xHH in basic strings: written as \u001B and \u00HH.
//
// It scans the text itself (strings, comments, brackets), so it works on a
// file no TOML 1.0 parser reads.
func syntax11(src []byte) []Fix {
	var fixes []Fix
	for i := 0; i < len(src); i++ {
		switch src[i] {
		case '#':
			i = skipComment(src, i)
		case '"', '\'':
			end := skipStr(src, i)
			if src[i] == '"' {
				if text, changed := rewriteEscapes(src[i : end+1]); changed {
					fixes = append(fixes, Fix{Rule: "toml-syntax", Description: "write the TOML 1.1 escapes \\e and \\x as \\u escapes (TOML 1.0)",
						Edits: []Edit{{Start: i, End: end + 1, Text: text}}})
				}
			}
			i = end
		case '{':
			end, text, ok := inlineTable10(src, i)
			if end < 0 {
				return fixes // not closed: leave it to the syntax rule
			}
			if ok && text != string(src[i:end+1]) {
				fixes = append(fixes, Fix{Rule: "toml-syntax", Description: "write the inline table on one line without a trailing comma (TOML 1.0)",
					Edits: []Edit{{Start: i, End: end + 1, Text: text}}})
			}
			i = end
		}
	}
	return fixes
}

func skipComment(src []byte, i int) int {
	for i < len(src) && src[i] != '\n' {
		i++
	}
	return i
}

// skipStr returns the offset of the last byte of the string opening at i.
func skipStr(src []byte, i int) int {
	q := src[i]
	multi := bytes.HasPrefix(src[i:], []byte{q, q, q})
	j := i + 1
	if multi {
		j = i + 3
	}
	for ; j < len(src); j++ {
		c := src[j]
		switch {
		case c == '\\' && q == '"':
			j++
		case c == '\n' && !multi:
			return j - 1
		case c == q && !multi:
			return j
		case c == q && bytes.HasPrefix(src[j:], []byte{q, q, q}):
			end := j + 2
			for k := 0; k < 2 && end+1 < len(src) && src[end+1] == q; k++ {
				end++
			}
			return end
		}
	}
	return len(src) - 1
}

// rewriteEscapes rewrites \e and \xHH in a basic string's raw text.
func rewriteEscapes(raw []byte) (string, bool) {
	if !bytes.Contains(raw, []byte(`\e`)) && !bytes.Contains(raw, []byte(`\x`)) {
		return "", false
	}
	var b strings.Builder
	changed := false
	for j := 0; j < len(raw); j++ {
		if raw[j] != '\\' || j+1 >= len(raw) {
			b.WriteByte(raw[j])
			continue
		}
		switch n := raw[j+1]; {
		case n == 'e':
			b.WriteString(`\u001B`)
			changed = true
			j++
		case n == 'x' && j+3 < len(raw) && isHex(raw[j+2]) && isHex(raw[j+3]):
			fmt.Fprintf(&b, `\u00%c%c`, raw[j+2], raw[j+3])
			changed = true
			j += 3
		default:
			b.WriteByte('\\')
			b.WriteByte(n)
			j++
		}
	}
	return b.String(), changed
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// inlineTable10 returns the offset of the '}' closing the inline table at
// open (-1 when it is not closed) and the table written as TOML 1.0: on
// one line, without a trailing comma, escapes rewritten. ok is false when
// the table cannot be joined (a comment or a multi-line string inside).
func inlineTable10(src []byte, open int) (end int, text string, ok bool) {
	// Pass 1: join the lines; each run of blanks holding a newline becomes
	// one space.
	var b []byte
	ok = true
	depth := 0
	end = -1
	for i := open; i < len(src) && end < 0; i++ {
		c := src[i]
		switch c {
		case '#':
			ok = false
			i = skipComment(src, i) - 1
		case '"', '\'':
			e := skipStr(src, i)
			s := src[i : e+1]
			if bytes.IndexByte(s, '\n') >= 0 {
				ok = false
			}
			if c == '"' {
				if t, changed := rewriteEscapes(s); changed {
					s = []byte(t)
				}
			}
			b = append(b, s...)
			i = e
		case ' ', '\t', '\r', '\n':
			j := i
			nl := false
			for j < len(src) && strings.IndexByte(" \t\r\n", src[j]) >= 0 {
				nl = nl || src[j] == '\n'
				j++
			}
			if nl {
				b = append(b, ' ')
			} else {
				b = append(b, src[i:j]...)
			}
			i = j - 1
		default:
			switch c {
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			}
			b = append(b, c)
			if depth == 0 {
				end = i
			}
		}
	}
	if end < 0 {
		return -1, "", false
	}
	// Pass 2: drop a comma before a closing brace.
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == '"' || c == '\'' {
			e := skipStr(b, i)
			out = append(out, b[i:e+1]...)
			i = e
			continue
		}
		if c == '}' {
			k := len(out) - 1
			for k >= 0 && (out[k] == ' ' || out[k] == '\t') {
				k--
			}
			if k >= 0 && out[k] == ',' {
				out = append(out[:k], out[k+1:]...)
			}
		}
		out = append(out, c)
	}
	return end, string(out), ok
}
