package configs

import (
	"strconv"
	"strings"
)

// Canonical keys join their parts with dots. A TOML key part may itself
// hold a dot (`"storage.type" = "S3"` is one top-level key, not the type of
// [storage]), so a part that is not a bare key is written quoted, the way
// TOML would write it; no GreptimeDB key needs quoting, so a quoted part
// never matches the schema and is reported as unknown. The helpers below
// split keys with quoted parts in mind; keys without a quote take the
// plain, allocation-free path.

// QuotePart returns a key part as it stands in a canonical key: as is when
// it is a bare key (A-Z a-z 0-9 _ -), else quoted.
func QuotePart(s string) string {
	if isBareKey(s) {
		return s
	}
	return strconv.Quote(s)
}

func isBareKey(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// JoinParts joins raw key parts into a canonical key.
func JoinParts(parts []string) string {
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(QuotePart(p))
	}
	return b.String()
}

// LastDot returns the index of the last dot of key that separates parts,
// or -1.
func LastDot(key string) int {
	if strings.IndexByte(key, '"') < 0 {
		return strings.LastIndexByte(key, '.')
	}
	last := -1
	forEachSeparator(key, func(i int) { last = i })
	return last
}

// splitParts splits a canonical key at the dots between parts; quoted
// parts stay quoted.
func splitParts(key string) []string {
	if strings.IndexByte(key, '"') < 0 {
		return strings.Split(key, ".")
	}
	var parts []string
	start := 0
	forEachSeparator(key, func(i int) {
		parts = append(parts, key[start:i])
		start = i + 1
	})
	return append(parts, key[start:])
}

// forEachSeparator calls fn with the index of every dot outside quotes.
func forEachSeparator(key string, fn func(int)) {
	for i := NextDot(key, 0); i >= 0; i = NextDot(key, i+1) {
		fn(i)
	}
}

// firstSeparator returns the index of the first '.' or '[' outside quotes
// in a canonical key, or -1: where its first part ends.
func firstSeparator(key string) int {
	inQuote := false
	for i := 0; i < len(key); i++ {
		switch c := key[i]; {
		case inQuote && c == '\\':
			i++
		case c == '"':
			inQuote = !inQuote
		case (c == '.' || c == '[') && !inQuote:
			return i
		}
	}
	return -1
}

// NextDot returns the index of the first dot at or after from that
// separates parts, or -1; from must be where a part starts (0, or just
// after a separating dot).
func NextDot(key string, from int) int {
	inQuote := false
	for i := from; i < len(key); i++ {
		switch c := key[i]; {
		case inQuote && c == '\\':
			i++ // strconv.Quote escapes: the next byte is part of the escape
		case c == '"':
			inQuote = !inQuote
		case c == '.' && !inQuote:
			return i
		}
	}
	return -1
}

// UnquotePart returns the raw name of a part written by QuotePart.
func UnquotePart(p string) string {
	if len(p) >= 2 && p[0] == '"' {
		if s, err := strconv.Unquote(p); err == nil {
			return s
		}
	}
	return p
}

// SplitKey splits a canonical key into the raw names of its parts: dots
// inside quoted parts stay, and quoted parts are unquoted.
func SplitKey(key string) []string {
	parts := splitParts(key)
	for i, p := range parts {
		parts[i] = UnquotePart(p)
	}
	return parts
}
