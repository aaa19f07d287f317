package report

import "testing"

func TestSeverityLevels(t *testing.T) {
	tests := []struct {
		sev           Severity
		sarif, github string
	}{
		{Error, "error", "error"},
		{Warning, "warning", "warning"},
		{Info, "note", "notice"},
	}
	for _, tt := range tests {
		t.Run(tt.sev.String(), func(t *testing.T) {
			if got := tt.sev.SARIFLevel(); got != tt.sarif {
				t.Errorf("SARIFLevel() = %q, want %q", got, tt.sarif)
			}
			if got := tt.sev.GitHubCommand(); got != tt.github {
				t.Errorf("GitHubCommand() = %q, want %q", got, tt.github)
			}
		})
	}
}

func TestStatusSeverity(t *testing.T) {
	tests := []struct {
		status Status
		sev    Severity
		ok     bool
	}{
		{Fail, Error, true},
		{Warn, Warning, true},
		{Pass, Info, false},
		{Skip, Info, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.status), func(t *testing.T) {
			sev, ok := tt.status.Severity()
			if sev != tt.sev || ok != tt.ok {
				t.Errorf("Severity() = %v, %v; want %v, %v", sev, ok, tt.sev, tt.ok)
			}
		})
	}
}
