package configs

import (
	"sort"

	"github.com/pelletier/go-toml/v2/unstable"
)

// GreptimeDB reads its configs with the Rust toml crate 0.8 (toml_edit
// 0.22), which implements TOML 1.0. Both Go parsers stepstone uses read
// TOML 1.1, so what 1.1 added is looked for here, in the parser's tree:
// a newline, a comment or a trailing comma inside an inline table, the
// \e and \xHH escapes, and a time without seconds. GreptimeDB refuses each
// of them, so stepstone reports them as syntax errors.

// toml11Issue is the first TOML 1.1 addition found: where and what.
type toml11Issue struct {
	off int
	msg string
}

const toml10Note = ", which is TOML 1.1: GreptimeDB reads TOML 1.0"

// find11 returns the first TOML 1.1 addition in one top-level expression,
// or nil.
func find11(src []byte, expr *unstable.Node) *toml11Issue {
	var first *toml11Issue
	note := func(off int, msg string) {
		if first == nil || off < first.off {
			first = &toml11Issue{off: off, msg: msg + toml10Note}
		}
	}
	checkKey := func(n *unstable.Node) {
		for it := n.Key(); it.Next(); {
			checkEscapes(src, it.Node().Raw, note)
		}
	}
	var walk func(v *unstable.Node)
	walk = func(v *unstable.Node) {
		switch v.Kind {
		case unstable.String:
			checkEscapes(src, v.Raw, note)
		case unstable.LocalTime, unstable.LocalDateTime, unstable.DateTime:
			checkSeconds(src, v.Raw, note)
		case unstable.Array:
			for it := v.Children(); it.Next(); {
				walk(it.Node())
			}
		case unstable.InlineTable:
			checkInlineTable(src, v, note)
			for it := v.Children(); it.Next(); {
				kv := it.Node()
				if kv.Kind == unstable.KeyValue {
					checkKey(kv)
					walk(kv.Value())
				}
			}
		}
	}
	switch expr.Kind {
	case unstable.Table, unstable.ArrayTable:
		checkKey(expr)
	case unstable.KeyValue:
		checkKey(expr)
		walk(expr.Value())
	}
	return first
}

// mayHoldTime reports whether expr is a key whose value is a date-time,
// a time, or an array, which may hold one.
func mayHoldTime(expr *unstable.Node) bool {
	if expr.Kind != unstable.KeyValue {
		return false
	}
	switch expr.Value().Kind {
	case unstable.LocalTime, unstable.LocalDateTime, unstable.DateTime, unstable.Array:
		return true
	}
	return false
}

// checkEscapes looks for \e and \x in a basic string (one- or multi-line).
func checkEscapes(src []byte, r unstable.Range, note func(int, string)) {
	start, end := int(r.Offset), int(r.Offset+r.Length)
	if r.Length == 0 || end > len(src) || src[start] != '"' {
		return // literal strings have no escapes
	}
	for i := start + 1; i < end-1; i++ {
		if src[i] != '\\' {
			continue
		}
		switch src[i+1] {
		case 'e':
			note(i, `the escape "\e" (write "\u001B")`)
		case 'x':
			note(i, `the escape "\xHH" (write "\u00HH")`)
		}
		i++ // the escaped character, so that "\\e" is no escape
	}
}

// checkSeconds looks for a time of day written as HH:MM with no seconds.
func checkSeconds(src []byte, r unstable.Range, note func(int, string)) {
	start, end := int(r.Offset), int(r.Offset+r.Length)
	if end > len(src) {
		return
	}
	raw := src[start:end]
	// The time starts after the date and its T, t or space, if any.
	t := 0
	if len(raw) > 10 && raw[4] == '-' {
		t = 11
	}
	if t+5 <= len(raw) && raw[t+2] == ':' && (t+5 == len(raw) || raw[t+5] != ':') {
		note(start+t, "a time without seconds")
	}
}

// nodeEnd returns the offset just past a value. go-toml's Raw of an array
// or inline table covers only its opening bracket, so the closing one is
// found after the last element (only blanks, commas and comments stand
// between them).
func nodeEnd(src []byte, v *unstable.Node) int {
	var closer byte
	switch v.Kind {
	case unstable.Array:
		closer = ']'
	case unstable.InlineTable:
		closer = '}'
	default:
		return int(v.Raw.Offset + v.Raw.Length)
	}
	pos := int(v.Raw.Offset) + 1
	for it := v.Children(); it.Next(); {
		c := it.Node()
		if c.Kind == unstable.KeyValue {
			c = c.Value()
		}
		if e := nodeEnd(src, c); e > pos {
			pos = e
		}
	}
	for ; pos < len(src); pos++ {
		switch src[pos] {
		case closer:
			return pos + 1
		case '#':
			for pos < len(src) && src[pos] != '\n' {
				pos++
			}
		}
	}
	return len(src)
}

// checkInlineTable looks between the keys and values of an inline table for
// a newline or a comment, and for a comma before the closing brace.
func checkInlineTable(src []byte, v *unstable.Node, note func(int, string)) {
	start, end := int(v.Raw.Offset), nodeEnd(src, v)
	if end > len(src) || end < start+2 {
		return
	}
	var spans [][2]int // what belongs to keys and values, in order
	for it := v.Children(); it.Next(); {
		kv := it.Node()
		if kv.Kind != unstable.KeyValue {
			continue
		}
		for k := kv.Key(); k.Next(); {
			r := k.Node().Raw
			spans = append(spans, [2]int{int(r.Offset), int(r.Offset + r.Length)})
		}
		if val := kv.Value(); val.Raw.Length > 0 || val.Kind == unstable.Array {
			spans = append(spans, [2]int{int(val.Raw.Offset), nodeEnd(src, val)})
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i][0] < spans[j][0] })
	lastComma := -1
	pos := start + 1
	scan := func(from, to int) {
		for i := from; i < to; i++ {
			switch src[i] {
			case '\n', '\r':
				note(i, "a line break inside an inline table")
				return
			case '#':
				note(i, "a comment inside an inline table")
				return
			case ',':
				lastComma = i
			case ' ', '\t', '=', '.':
			default:
				lastComma = -1
			}
		}
	}
	for _, s := range spans {
		if s[0] > pos {
			scan(pos, s[0])
		}
		if s[1] > pos {
			lastComma = -1
			pos = s[1]
		}
	}
	scan(pos, end-1)
	if lastComma >= 0 && len(spans) > 0 {
		note(lastComma, "a comma before the closing brace of an inline table")
	}
}
