package sarif

import "github.com/stepstone-dev/stepstone/report"

// SARIF 2.1.0 section 3.55: a fix is a set of artifact changes, each a
// list of replacements of a region by inserted text. stepstone's fixes
// change the one file the finding is about.

type fix struct {
	Description     text             `json:"description"`
	ArtifactChanges []artifactChange `json:"artifactChanges"`
}

type artifactChange struct {
	ArtifactLocation artifactLocation `json:"artifactLocation"`
	Replacements     []replacement    `json:"replacements"`
}

type replacement struct {
	DeletedRegion   fixRegion `json:"deletedRegion"`
	InsertedContent *text     `json:"insertedContent,omitempty"`
}

// fixRegion is a region with explicit columns: an insertion is an empty
// region (end == start), which the optional-column region cannot say.
type fixRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
	EndLine     int `json:"endLine"`
	EndColumn   int `json:"endColumn"`
}

// fixesFor turns the finding's fix into SARIF's fixes[], or nil.
func fixesFor(f report.Finding, uri artifactLocation) []fix {
	if f.Fix == nil || len(f.Fix.Edits) == 0 || uri.URI == "" {
		return nil
	}
	ch := artifactChange{ArtifactLocation: uri}
	for _, e := range f.Fix.Edits {
		r := replacement{DeletedRegion: fixRegion{
			StartLine: max(e.Range.Start.Line, 1), StartColumn: max(e.Range.Start.Col, 1),
			EndLine: max(e.Range.End.Line, 1), EndColumn: max(e.Range.End.Col, 1),
		}}
		if e.Replacement != "" {
			r.InsertedContent = &text{Text: e.Replacement}
		}
		ch.Replacements = append(ch.Replacements, r)
	}
	return []fix{{Description: text{Text: f.Fix.Description}, ArtifactChanges: []artifactChange{ch}}}
}

// suppression is SARIF 2.1.0 section 3.35: code scanning shows a result
// with one as suppressed instead of open.
type suppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification,omitempty"`
	Status        string `json:"status"`
}

func suppressionsFor(f report.Finding) []suppression {
	if f.Suppressed == nil {
		return nil
	}
	return []suppression{{Kind: f.Suppressed.Kind, Justification: f.Suppressed.Justification + " (" + f.Suppressed.Location + ")", Status: "accepted"}}
}

// suppressedFindings lists the findings the repository accepted, which
// SARIF keeps as suppressed results rather than dropping.
func suppressedFindings(r *report.Report) []report.Finding {
	var out []report.Finding
	for _, c := range r.Components {
		out = append(out, report.SortFindings(c.Suppressed)...)
	}
	return out
}
