package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// streamJSON writes r as WriteJSON's document, byte for byte, one
// component at a time: a run over a thousand files never holds the whole
// document (nor its indented copy) in memory.
func streamJSON(w io.Writer, r *Report) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("    ", "  ")
	elem := func(v any) error {
		buf.Reset()
		if err := enc.Encode(v); err != nil {
			return err
		}
		_, err := bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		return err
	}
	scalar := func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	fmt.Fprintf(bw, "{\n  \"overall_result\": %s,\n", scalar(r.Verdict()))
	if r.Interrupted {
		bw.WriteString("  \"interrupted\": true,\n")
	}
	bw.WriteString("  \"reports\": [")
	for i := range r.Components {
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n    ")
		if err := elem(componentJSON(r, &r.Components[i])); err != nil {
			return fmt.Errorf("could not write JSON report: %w", err)
		}
	}
	if len(r.Components) > 0 {
		bw.WriteString("\n  ")
	}
	bw.WriteString("],\n  \"cluster_findings\": [")
	// Sorted once, in run/: the writer keeps the order it is given.
	cf := r.ClusterFindings
	for i, f := range cf {
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n    ")
		if err := elem(findingDetail(f)); err != nil {
			return fmt.Errorf("could not write JSON report: %w", err)
		}
	}
	if len(cf) > 0 {
		bw.WriteString("\n  ")
	}
	bw.WriteString("]")
	if len(r.Impact) > 0 {
		bw.WriteString(",\n  \"impact\": [")
		for i, cc := range r.Impact {
			if i > 0 {
				bw.WriteString(",")
			}
			bw.WriteString("\n    ")
			if err := elem(cc); err != nil {
				return fmt.Errorf("could not write JSON report: %w", err)
			}
		}
		bw.WriteString("\n  ]")
	}
	bw.WriteString("\n}\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("could not write JSON report: %w", err)
	}
	return nil
}
