package configs

// GreptimeDB parses configs with the toml crate it pins, which reads TOML
// 1.0. The Go parsers stepstone uses also take TOML 1.1 additions, so
// toml11Feature looks for them: a newline or a trailing comma inside an
// inline table, and the \xHH and \e escapes in basic strings. Each is a
// syntax error for GreptimeDB.

// toml11Feature returns the byte offset and a description of the first
// TOML 1.1-only construct in data, or -1.
func toml11Feature(data []byte) (int, string) {
	var stack []byte // open '{' and '['
	inInline := func() bool { return len(stack) > 0 && stack[len(stack)-1] == '{' }
	lastComma := -1 // offset of a ',' in an inline table with only blanks after it
	for i := 0; i < len(data); i++ {
		ch := data[i]
		switch {
		case ch == '#':
			for i < len(data) && data[i] != '\n' {
				i++
			}
			if i < len(data) && inInline() {
				return i, "a comment or line break inside an inline table"
			}
		case ch == '\'' || ch == '"':
			multi := i+2 < len(data) && data[i+1] == ch && data[i+2] == ch
			end, off, what := scanString(data, i, ch, multi)
			if off >= 0 {
				return off, what
			}
			i = end
			lastComma = -1
			continue
		case ch == '{' || ch == '[':
			stack = append(stack, ch)
		case ch == '}' || ch == ']':
			if ch == '}' && lastComma >= 0 && inInline() {
				return lastComma, "a trailing comma in an inline table"
			}
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case ch == '\n':
			if inInline() {
				return i, "a line break inside an inline table"
			}
		}
		if ch == ',' && inInline() {
			lastComma = i
		} else if ch != ' ' && ch != '\t' && ch != '\r' {
			lastComma = -1
		}
	}
	return -1, ""
}

// scanString skips the string starting at data[i] and returns the offset
// of its closing quote; off >= 0 names a TOML 1.1-only escape in it.
func scanString(data []byte, i int, quote byte, multi bool) (end, off int, what string) {
	j := i + 1
	if multi {
		j = i + 3
	}
	for j < len(data) {
		c := data[j]
		if quote == '"' && c == '\\' && j+1 < len(data) {
			switch data[j+1] {
			case 'x':
				return j, j, `a \xHH escape (TOML 1.1; write \u00HH)`
			case 'e':
				return j, j, `a \e escape (TOML 1.1; write \u001B)`
			}
			j += 2
			continue
		}
		if c == '\n' && !multi {
			return j, -1, "" // unterminated: the real parser reports it
		}
		if c == quote {
			if !multi {
				return j, -1, ""
			}
			if j+2 < len(data) && data[j+1] == quote && data[j+2] == quote {
				// Up to two more quotes may close a multi-line string.
				k := j + 3
				for k < len(data) && k < j+5 && data[k] == quote {
					k++
				}
				return k - 1, -1, ""
			}
		}
		j++
	}
	return j, -1, ""
}
