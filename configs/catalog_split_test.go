package configs

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// splitFieldsRunes is splitFields as it was, rune by rune into a
// strings.Builder: the oracle of the byte-wise one.
func splitFieldsRunes(line string) ([]string, error) {
	var fields []string
	var cur strings.Builder
	quoted, inField := false, false
	prev := rune(0)
	for _, r := range line {
		afterEq := prev == '='
		prev = r
		switch {
		case r == '"' && (quoted || afterEq):
			quoted = !quoted
			inField = true
		case unicode.IsSpace(r) && !quoted:
			if inField {
				fields = append(fields, cur.String())
				cur.Reset()
				inField = false
			}
		default:
			cur.WriteRune(r)
			inField = true
		}
	}
	if quoted {
		return nil, errors.New("unbalanced quote")
	}
	if inField {
		fields = append(fields, cur.String())
	}
	return fields, nil
}

// Byte-wise splitFields agrees with the rune-wise oracle on catalog-like
// lines and on lines of quotes, equals signs, every kind of space (ASCII,
// U+0085, U+00A0, U+3000), other runes and invalid UTF-8.
func TestSplitFieldsAgreesWithRunes(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	pieces := []string{"key", "string", "default=", "doc=", "\"", "\"two words\"", "=", " ", "\t", "\v", "\r", "\u0085", "\u00a0", "\u3000", "é", "—", "\xff", "\xe2\x80", "[\"127.0.0.1:3002\"]", "a,b", "secret"}
	lines := []string{
		`storage.bucket string doc="the bucket" storage=S3,Oss`,
		`http.addr addr default="127.0.0.1:4000" doc="where — it listens"`,
		`metasrv_addrs array:addr default=["127.0.0.1:3002"]`,
		"", " ", `x string doc="unbalanced`,
	}
	for range 30000 {
		var b strings.Builder
		for range rng.IntN(10) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		lines = append(lines, b.String())
	}
	for _, line := range lines {
		got, gerr := splitFields(line)
		want, werr := splitFieldsRunes(line)
		if (gerr == nil) != (werr == nil) || !slices.Equal(got, want) {
			t.Fatalf("splitFields(%q) = %q, %v; want %q, %v", line, got, gerr, want, werr)
		}
	}
}

// TestFieldsIntoAgreesWithFields holds the in-place split of keys.txt to
// strings.Fields, on every line of the file and on awkward spacing.
func TestFieldsIntoAgreesWithFields(t *testing.T) {
	lines := strings.Split(keysText, "\n")
	lines = append(lines, "", " ", "a", "  a  b\t\tc d ", "a b c d e f", "\ta\r", "metasrv k bool v1.0.0..main,v0.9.0")
	for _, line := range lines {
		want := strings.Fields(line)
		var got [4]string
		n := fieldsInto(line, got[:])
		if n != len(want) {
			t.Fatalf("%q: %d fields, want %d", line, n, len(want))
		}
		if k := min(n, len(got)); !slices.Equal(got[:k], want[:k]) {
			t.Fatalf("%q: %q, want %q", line, got[:k], want[:k])
		}
	}
}
