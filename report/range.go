package report

// Range is the stretch of a file a finding is about: Start is where it
// begins (its File names the file), End is the line and column just past its
// last character (End.File is not used). A zero End means the end is unknown;
// a Start.Line of 0 means the whole file.
//
// Ranges come from the config index (configs.Entry.KeyRange, ValueRange),
// travel on a Finding (Pos, EndLine, EndCol, as the JSON report has always
// spelled them) and are put into shape in one place, Normalize, before any
// printer reads them.
type Range struct {
	Start, End Position
}

// Range returns where f stands.
func (f Finding) Range() Range {
	return Range{Start: f.Pos, End: Position{Line: f.EndLine, Col: f.EndCol}}
}

// SetRange moves f to r.
func (f *Finding) SetRange(r Range) {
	f.Pos, f.EndLine, f.EndCol = r.Start, r.End.Line, r.End.Col
}

// Normalize puts r into the shape every printer expects: a whole-file range
// (no line) has no columns and no end; negative columns become unknown (0);
// an end column alone lies on the start line; an end before the start is
// dropped; and an end column is kept only when it lies after the start
// column, so a range never covers less than one character.
func (r Range) Normalize() Range {
	if r.Start.Line <= 0 {
		return Range{Start: Position{File: r.Start.File}}
	}
	r.Start.Col = max(r.Start.Col, 0)
	r.End.File = ""
	r.End.Col = max(r.End.Col, 0)
	if r.End.Line <= 0 {
		if r.End.Col == 0 {
			return Range{Start: r.Start}
		}
		r.End.Line = r.Start.Line
	}
	if r.End.Line < r.Start.Line {
		return Range{Start: r.Start}
	}
	if r.End.Line == r.Start.Line && r.End.Col <= max(r.Start.Col, 1) {
		r.End.Col = 0
	}
	return r
}
