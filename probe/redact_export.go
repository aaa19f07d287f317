package probe

// Redact is the probes' redactor for callers outside this package: it
// removes every given secret (and its escaped forms), URL userinfo and
// credential parameters from s. `stepstone serve` passes its metric label
// values through it. TODO(redesign): becomes internal/redact's entry point.
func Redact(s string, secrets ...string) string { return redact(s, secrets...) }
