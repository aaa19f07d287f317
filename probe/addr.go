package probe

// Addresses as GreptimeDB writes them: checked, and shown without
// credentials.

import (
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/stepstone-dev/stepstone/internal/redact"
)

// probeSplitHostPort validates a GreptimeDB host:port address: IPv6 must be
// bracketed (tonic rejects "fd00::1:3002"), and no scheme is allowed.
func probeSplitHostPort(key, a string) (host, port string, err error) {
	a = strings.TrimSpace(a)
	if a == "" {
		return "", "", configErrorf("%s is empty", key)
	}
	if strings.Contains(a, "://") {
		return "", "", configErrorf("%s = %q has a scheme; write host:port", key, probeDisplayAddr(a))
	}
	host, port, err = net.SplitHostPort(a)
	if err != nil {
		if strings.Count(a, ":") > 1 && !strings.HasPrefix(a, "[") {
			return "", "", configErrorf("%s = %q looks like an unbracketed IPv6 address; write [addr]:port", key, a)
		}
		return "", "", configErrorf("%s = %q is not host:port", key, a)
	}
	n, perr := strconv.Atoi(port)
	if perr != nil || n < 0 || n > 65535 {
		return "", "", configErrorf("%s = %q has an invalid port", key, a)
	}
	return host, port, nil
}

// probeDisplayAddr shows an address without userinfo.
func probeDisplayAddr(a string) string {
	a = strings.TrimSpace(a)
	if _, err := redact.ParseEtcdEndpoint(a); errors.Is(err, redact.ErrAmbiguous) {
		return "(ambiguous address)"
	}
	if strings.Contains(a, "://") {
		if u, err := url.Parse(a); err == nil {
			u.User = nil
			return u.String()
		}
		return redact.StripUserinfo(a)
	}
	return a
}
