package probe

import (
	"errors"

	redactpkg "github.com/stepstone-dev/stepstone/internal/redact"
)

// redact returns s with every given secret, and every credential-looking
// text (URL userinfo, credential parameters), masked by internal/redact,
// the one redactor of the run. Drivers echo connection strings in their
// errors, so every message passes through here; the run's redactor masks
// the finished report once more.
func redact(s string, secrets ...string) string {
	return redactpkg.New(secrets...).String(s)
}

// stripUserinfo removes "user:pass@" from a URL for display; strings that
// are not URLs come back unchanged.
func stripUserinfo(s string) string { return redactpkg.StripUserinfo(s) }

// urlSecrets returns every credential a connection string or URL carries,
// however its driver would cut it (see internal/redact's parsers).
func urlSecrets(raw string) []string {
	var out []string
	for _, parse := range []func(string) (redactpkg.DSN, error){redactpkg.ParsePostgres, redactpkg.ParseMySQL} {
		d, _ := parse(raw)
		out = append(out, d.Secrets...)
	}
	return out
}

// ambiguousDSN reports a connection string whose password may have been cut
// into the host, port or database: it is never dialled, nor its host
// resolved. The message names no part of it.
func ambiguousDSN(err error) bool { return errors.Is(err, redactpkg.ErrAmbiguous) }

// percentEncodeHint is the suggestion for an ambiguous connection string.
const percentEncodeHint = "percent-encode the password in store_addrs[0] ('@' as %40, '/' as %2F, '?' as %3F, '#' as %23, ':' as %3A): as written, part of it would be read as the host or database"

// refuseAmbiguous learns the credentials of a parsed store address and,
// when the address is ambiguous, fails the probe before anything is
// dialled or resolved (true).
func (r *probeRun) refuseAmbiguous(d redactpkg.DSN, err error) bool {
	r.addSecrets(d.Secrets...)
	if !ambiguousDSN(err) {
		return false
	}
	r.fail(ClassConfig, percentEncodeHint,
		"store_addrs[0] is ambiguous: a raw '@', '/', '?' or '#' in the password would be read as the host or database, so nothing was dialled or resolved")
	return true
}
