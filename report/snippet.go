package report

import (
	"strings"
	"unicode/utf8"
)

// SourceLine returns line n (1-based) of file as it may be shown: secrets
// already masked. same is how many leading runes of the shown text are those
// of the file, so a caret can be placed only where the columns still agree
// (masking a secret shifts what follows it). ok is false when the line is
// not known; the finding is then printed without a snippet.
type SourceLine func(file string, n int) (text string, same int, ok bool)

// snippet returns the two lines that show r in the source, as actionlint
// and rustc do:
//
//	3 | bucket = "gretpime"
//	  |          ^~~~~~~~~~
//
// The source goes through textsafe rune by rune, so an escaped control
// character widens the line and the caret stays under its rune. A range
// spanning lines is underlined to the end of its first line.
func snippet(src SourceLine, r Range) []string {
	r = r.Normalize()
	if src == nil || r.Start.Line <= 0 {
		return nil
	}
	text, same, ok := src(r.Start.File, r.Start.Line)
	if !ok {
		return nil
	}
	text = strings.TrimRight(text, "\r\n")
	start := max(r.Start.Col, 1)
	end := start + 1 // exclusive, in runes (columns are 1-based runes)
	switch {
	case r.End.Line > r.Start.Line:
		end = utf8.RuneCountInString(text) + 1
	case r.End.Col > start:
		end = r.End.Col
	}
	// Columns past the masked part or the line's end are not placed.
	end = min(end, same+1, utf8.RuneCountInString(text)+1)

	var shown, marks strings.Builder
	col := 1
	for _, c := range text {
		s := safe(string(c))
		shown.WriteString(s)
		w := utf8.RuneCountInString(s)
		mark := " "
		switch {
		case col == start && col < end:
			mark = "^"
		case col > start && col < end:
			mark = "~"
		}
		if mark == " " && col > start {
			// Nothing left to mark on this line.
			w = 0
		}
		marks.WriteString(strings.Repeat(mark, w))
		col++
	}
	if start >= end {
		// Nothing could be placed (the value was masked, or the column
		// lies past the line): the line alone still helps.
		marks.Reset()
	}
	num := itoa(r.Start.Line)
	pad := strings.Repeat(" ", len(num))
	out := []string{num + " | " + shown.String()}
	if m := strings.TrimRight(marks.String(), " "); m != "" {
		out = append(out, pad+" | "+m)
	}
	return out
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for n >= 10 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	i--
	b[i] = byte('0' + n)
	return string(b[i:])
}
