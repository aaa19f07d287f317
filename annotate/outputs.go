package annotate

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/stepstone-dev/stepstone/report"
)

// output is one step output.
type output struct{ name, value string }

// outputs lists the step outputs action.yml declares, in that order.
func outputs(r *report.Report, opts Options) []output {
	c := r.Count()
	return []output{
		{"result", strings.ToLower(string(r.Verdict()))},
		{"errors", strconv.Itoa(c.Errors + c.Failed)},
		{"warnings", strconv.Itoa(c.Warnings + c.Warned)},
		{"sarif-file", opts.SARIFPath},
		{"report-json", opts.ReportJSONPath},
	}
}

// WriteOutputs writes r's step outputs in the form GITHUB_OUTPUT takes:
// result (pass, warn or fail), errors and warnings (findings plus failed or
// warned probes), sarif-file and report-json (the paths in opts).
func WriteOutputs(w io.Writer, r *report.Report, opts Options) error {
	return writeOutputs(w, outputs(r, opts), randomDelimiter)
}

// writeOutputs uses the multi-line form for every value,
//
//	name<<DELIMITER
//	value
//	DELIMITER
//
// with a fresh random delimiter each time, as @actions/core does: a value
// can then never end the block early and set an output of its own.
// https://docs.github.com/actions/using-workflows/workflow-commands-for-github-actions#multiline-strings
func writeOutputs(w io.Writer, outs []output, delimiter func() (string, error)) error {
	var b strings.Builder
	for _, o := range outs {
		d, err := delimiter()
		if err != nil {
			return fmt.Errorf("could not make an output delimiter: %w", err)
		}
		if strings.Contains(o.name, d) || strings.Contains(o.value, d) {
			return fmt.Errorf("output %q contains its delimiter", o.name)
		}
		fmt.Fprintf(&b, "%s<<%s\n%s\n%s\n", o.name, d, o.value, d)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("could not write step outputs: %w", err)
	}
	return nil
}

func randomDelimiter() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return "ghadelimiter_" + hex.EncodeToString(b[:]), nil
}
