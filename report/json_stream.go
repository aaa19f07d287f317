package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/stepstone-dev/stepstone/internal/parallel"
)

// streamJSON writes r as WriteJSON's document, byte for byte, one
// component at a time: a run over a thousand files never holds the whole
// document (nor its indented copy) in memory.
func streamJSON(w io.Writer, r *Report) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	// Elements sit two levels deep: in "reports" (or another list) of the
	// document.
	const depth = 2
	var e jsonEncoder
	flush := func() error {
		if e.err != nil {
			return fmt.Errorf("could not write JSON report: %w", e.err)
		}
		_, err := bw.Write(e.b)
		e.b = e.b[:0]
		return err
	}
	e.b = append(e.b, "{\n  \"overall_result\": "...)
	e.b = appendJSONString(e.b, string(r.Verdict()), true)
	e.b = append(e.b, ",\n"...)
	if r.Interrupted {
		e.b = append(e.b, "  \"interrupted\": true,\n"...)
	}
	e.b = append(e.b, "  \"reports\": ["...)
	// Components are encoded on every core, up to componentAhead ahead
	// of the writer, and written in their order as each is ready: the
	// writer was the one part of a lint over many files left on one
	// core, and encoding a window at a time left cores idle while the
	// window was written.
	var ring [componentAhead]jsonEncoder
	err := parallel.Ordered(len(r.Components), componentAhead, func(i int) {
		encodeComponent(r, &r.Components[i], &ring[i%componentAhead], depth)
	}, func(i int) error {
		c := &ring[i%componentAhead]
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.newline(depth)
		if e.err == nil {
			e.err = c.err
		}
		if err := flush(); err != nil {
			return err
		}
		_, err := bw.Write(c.b)
		return err
	})
	if err != nil {
		return err
	}
	if len(r.Components) > 0 {
		e.newline(depth - 1)
	}
	e.b = append(e.b, "],\n  \"cluster_findings\": ["...)
	// Sorted once, in run/: the writer keeps the order it is given.
	cf := r.ClusterFindings
	for i, f := range cf {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.newline(depth)
		d := findingDetail(f)
		e.detail(&d, depth)
		// One at a time: a finding that groups a thousand files is a
		// quarter of a megabyte, and the buffer grew to hold them all.
		if err := flush(); err != nil {
			return err
		}
	}
	if len(cf) > 0 {
		e.newline(depth - 1)
	}
	e.b = append(e.b, ']')
	if err := flush(); err != nil {
		return err
	}
	if len(r.Impact) > 0 {
		// Impact comes only with a pull request's run, once: encoding/json
		// is fast enough for it.
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("    ", "  ")
		bw.WriteString(",\n  \"impact\": [")
		for i, cc := range r.Impact {
			if i > 0 {
				bw.WriteString(",")
			}
			bw.WriteString("\n    ")
			buf.Reset()
			if err := enc.Encode(cc); err != nil {
				return fmt.Errorf("could not write JSON report: %w", err)
			}
			bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		}
		bw.WriteString("\n  ]")
	}
	bw.WriteString("\n}\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("could not write JSON report: %w", err)
	}
	return nil
}

// componentAhead is how many components are encoded ahead of the writer:
// enough to keep every core busy, few enough to hold little (a datanode's
// component is about 25 KB).
const componentAhead = 16

// encodeComponent encodes c into e at depth, reusing e's buffer.
func encodeComponent(r *Report, c *ComponentReport, e *jsonEncoder, depth int) {
	e.b, e.err = e.b[:0], nil
	if cap(e.b) == 0 {
		// Sized at first from the effective values, most of the text,
		// and a guess for the rest; the ring's buffers then keep their
		// size. Growing from nothing copied each component's text about
		// twice over.
		n := 1024 + 1024*(len(c.Findings)+len(c.Probes))
		n += 112*c.Values.Len() + c.Values.textLen()
		e.b = make([]byte, 0, n)
	}
	cj := componentJSONIn(r, c, e.details[:0])
	e.component(&cj, depth)
	clear(cj.Details)
	e.details = cj.Details[:0]
}
