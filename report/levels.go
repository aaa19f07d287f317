package report

// This file is the one place where severities meet the vocabularies of other
// tools, so that SARIF, workflow commands and Markdown always agree.

// SARIFLevel returns the SARIF 2.1.0 result level for s: "error", "warning"
// or "note" (SARIF has no "info"; see §3.27.10 of the spec).
func (s Severity) SARIFLevel() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	default:
		return "note"
	}
}

// GitHubCommand returns the workflow command that annotates a line with s:
// "error", "warning" or "notice".
func (s Severity) GitHubCommand() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	default:
		return "notice"
	}
}

// Severity returns how a probe outcome is reported next to static findings:
// FAIL is an error and WARN a warning. ok is false for PASS and SKIP, which
// are not problems and get no annotation or SARIF result.
func (s Status) Severity() (sev Severity, ok bool) {
	switch s {
	case Fail:
		return Error, true
	case Warn:
		return Warning, true
	}
	return Info, false
}
