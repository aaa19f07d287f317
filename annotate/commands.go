package annotate

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	githubactions "github.com/sethvargo/go-githubactions"

	"github.com/stepstone-dev/stepstone/report"
)

// GitHub shows at most 10 error, 10 warning and 10 notice annotations per
// step and 50 per job; the rest are dropped without a word. stepstone
// prints errors first and no more than the limit, and says in the step
// summary how many were left out.
// https://docs.github.com/actions/using-workflows/workflow-commands-for-github-actions#setting-an-error-message
const (
	MaxAnnotationsPerLevel = 10
	MaxAnnotationsPerJob   = 50
)

// Problem is one finding or failed or warned probe, in the form every
// GitHub output shows it. Problems sort errors first.
type Problem struct {
	Severity report.Severity
	// Rule is the rule ID of a finding; empty for a probe.
	Rule string
	// Probe is the probe name; empty for a finding.
	Probe     string
	Component string
	Key       string
	Message   string
	// Suggestion says what to change, when the check knows.
	Suggestion string
	// File is the path as the report has it; Path is that path relative to
	// the workspace, or "" when the file lies outside it.
	File    string
	Path    string
	Line    int
	Col     int
	EndLine int
	EndCol  int
}

// Problems lists r's findings and failed or warned probes: errors first,
// then warnings, then infos; findings before probes within a level, each
// in report order.
func Problems(r *report.Report, workspace string) []Problem {
	var byLevel [3][]Problem
	add := func(p Problem) {
		lvl := min(max(int(report.Error-p.Severity), 0), 2)
		byLevel[lvl] = append(byLevel[lvl], p)
	}
	component := map[string]string{}
	for _, c := range r.Components {
		component[c.ConfigFile] = c.Component
	}
	for _, f := range r.AllFindings() {
		add(findingProblem(f, component[f.Pos.File], workspace))
	}
	for _, c := range r.Components {
		for _, pr := range c.Probes {
			if _, ok := pr.Status.Severity(); ok {
				add(probeProblem(c, pr, workspace))
			}
		}
	}
	return append(append(byLevel[0], byLevel[1]...), byLevel[2]...)
}

func findingProblem(f report.Finding, component, workspace string) Problem {
	p := Problem{
		Severity: f.Severity, Rule: f.Rule, Component: component,
		Key: f.Key, Message: f.Message, Suggestion: f.Suggestion,
		File: f.Pos.File, Line: max(f.Pos.Line, 0), Col: max(f.Pos.Col, 0),
		EndLine: f.EndLine, EndCol: f.EndCol,
	}
	p.Path, _ = repoPath(workspace, p.File)
	return p
}

// probeProblem describes a failed or warned probe of component c.
func probeProblem(c report.ComponentReport, pr report.ProbeResult, workspace string) Problem {
	sev, _ := pr.Status.Severity()
	p := Problem{
		Severity: sev, Probe: pr.Name, Component: c.Component,
		Key: pr.Key, Message: pr.Message, Suggestion: pr.Suggestion,
		File: pr.Pos.File, Line: max(pr.Pos.Line, 0), Col: max(pr.Pos.Col, 0),
	}
	if p.File == "" {
		// The probe is about the config as a whole.
		p.File, p.Line, p.Col = c.ConfigFile, 0, 0
	}
	p.Path, _ = repoPath(workspace, p.File)
	return p
}

// repoPath is report.RepoPath, keeping only paths inside the workspace.
func repoPath(workspace, file string) (string, bool) {
	p, rel := report.RepoPath(workspace, file)
	if !rel {
		return "", false
	}
	return p, true
}

// Omitted counts problems left out of the annotations, by level.
type Omitted struct {
	Errors, Warnings, Notices int
}

// Total is the number of problems left out.
func (o Omitted) Total() int { return o.Errors + o.Warnings + o.Notices }

// capAnnotations keeps the first MaxAnnotationsPerLevel problems of each
// level.
func capAnnotations(ps []Problem) ([]Problem, Omitted) {
	var kept []Problem
	var om Omitted
	seen := map[report.Severity]int{}
	for _, p := range ps {
		seen[p.Severity]++
		if seen[p.Severity] <= MaxAnnotationsPerLevel {
			kept = append(kept, p)
			continue
		}
		switch p.Severity {
		case report.Error:
			om.Errors++
		case report.Warning:
			om.Warnings++
		default:
			om.Notices++
		}
	}
	return kept, om
}

// Range returns where p stands, normalised (see report.Range.Normalize).
func (p Problem) Range() report.Range {
	return report.Range{
		Start: report.Position{File: p.File, Line: p.Line, Col: p.Col},
		End:   report.Position{Line: p.EndLine, Col: p.EndCol},
	}.Normalize()
}

// Command returns the workflow command that annotates p, such as
// "::error file=deploy/a.toml,line=3,title=rule-id::message". Values are
// escaped as @actions/core escapes them (go-githubactions does the same),
// and the GitHub runner reverses exactly that, so no config value or server
// error can end the line or start a command of its own.
func (p Problem) Command() string {
	props := githubactions.CommandProperties{}
	if p.Path != "" {
		props["file"] = p.Path
		if r := p.Range(); r.Start.Line > 0 {
			props["line"] = strconv.Itoa(r.Start.Line)
			if r.Start.Col > 0 {
				props["col"] = strconv.Itoa(r.Start.Col)
			}
			if r.End.Line > 0 {
				props["endLine"] = strconv.Itoa(r.End.Line)
				// GitHub reads columns only on one-line annotations.
				if r.End.Line == r.Start.Line && r.End.Col > 0 {
					props["endColumn"] = strconv.Itoa(r.End.Col)
				}
			}
		}
	}
	msg := p.Message
	if p.Probe != "" {
		msg = p.Probe + ": " + msg
	}
	if p.Path == "" && p.File != "" {
		// GitHub can only place files of the repository; name the place
		// in the text instead.
		msg = report.Position{File: p.File, Line: p.Line, Col: p.Col}.String() + ": " + msg
	}
	if p.Suggestion != "" {
		msg += "\n" + p.Suggestion
	}
	props["title"] = p.title()
	cmd := githubactions.Command{Name: p.Severity.GitHubCommand(), Message: msg, Properties: props}
	return cmd.String()
}

func (p Problem) title() string {
	if p.Probe != "" {
		return "stepstone live check"
	}
	return "stepstone " + p.Rule
}

// WriteCommands writes the annotation commands for r, errors first and at
// most MaxAnnotationsPerLevel of each level, and returns how many it
// printed and how many it left out.
func WriteCommands(w io.Writer, r *report.Report, opts Options) (int, Omitted, error) {
	kept, om := capAnnotations(Problems(r, opts.Workspace))
	var b strings.Builder
	for _, p := range kept {
		b.WriteString(p.Command())
		b.WriteByte('\n')
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return 0, om, fmt.Errorf("could not write annotations: %w", err)
	}
	return len(kept), om, nil
}

// WriteMasks writes an add-mask command for every secret, so that the
// runner replaces it with *** in the rest of the log. Call it before
// anything else is printed. A secret of several lines is also masked line
// by line, because the runner matches masks within single log lines.
func WriteMasks(w io.Writer, secrets []string) error {
	var b strings.Builder
	seen := map[string]bool{}
	mask := func(s string) {
		if strings.TrimSpace(s) == "" || seen[s] {
			return
		}
		seen[s] = true
		cmd := githubactions.Command{Name: "add-mask", Message: s}
		b.WriteString(cmd.String())
		b.WriteByte('\n')
	}
	for _, s := range secrets {
		mask(s)
		if strings.ContainsAny(s, "\r\n") {
			for _, line := range strings.FieldsFunc(s, func(r rune) bool { return r == '\r' || r == '\n' }) {
				mask(line)
			}
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("could not write secret masks: %w", err)
	}
	return nil
}

// Notice formats a plain ::notice:: command for stepstone's own messages,
// escaped so that no message can inject another command.
func Notice(msg string) string {
	cmd := githubactions.Command{Name: "notice", Message: msg, Properties: githubactions.CommandProperties{"title": "stepstone"}}
	return cmd.String() + "\n"
}

// Warning formats a ::warning:: command for stepstone's own problems that
// do not change the result, escaped like Notice.
func Warning(msg string) string {
	cmd := githubactions.Command{Name: "warning", Message: msg, Properties: githubactions.CommandProperties{"title": "stepstone"}}
	return cmd.String() + "\n"
}

// InputErrorCommand formats an ::error:: annotation for a bad action
// input, titled with the input's name.
func InputErrorCommand(e *InputError) string {
	cmd := githubactions.Command{Name: "error", Message: e.Error(),
		Properties: githubactions.CommandProperties{"title": "stepstone input " + e.Input}}
	return cmd.String() + "\n"
}

// InputWarning formats a ::warning:: annotation about an action input.
func InputWarning(name, problem string) string {
	cmd := githubactions.Command{Name: "warning", Message: fmt.Sprintf("input %q %s", name, problem),
		Properties: githubactions.CommandProperties{"title": "stepstone input " + name}}
	return cmd.String() + "\n"
}
