package lint

import (
	"net"
	"strings"

	"github.com/stepstone-dev/stepstone/report"
)

var ruleListenAddrNotIP = &Rule{
	Rule: report.Rule{
		ID:       "listen-addr-not-ip",
		Severity: report.Error,
		Summary:  "a listen address that is not an IP literal, where GreptimeDB parses it as a socket address at start",
		Help:     "write an IP address (0.0.0.0, 127.0.0.1 or the pod IP) and a port; host names are for advertised addresses such as grpc.server_addr",
	},
	Check: func(c *Context) {
		for i, e := range c.keyEntries() {
			_, sp := c.keyClass(i)
			if sp == nil || !sp.Listen || e.Header {
				continue
			}
			s, ok := c.File.String(e.Key)
			if !ok || s == "" || c.File.IsPlaceholder(s) {
				continue
			}
			if socketAddrLiteral(s) {
				continue
			}
			host, _, err := net.SplitHostPort(s)
			if err != nil {
				continue // invalid-address reports it
			}
			c.ReportValue(e.Key, "", "%s = %q names host %q, but GreptimeDB parses a listen address as an IP and port: the server does not start",
				displayKey(e.Key), s, host)
		}
	},
}

// socketAddrLiteral reports whether Rust's SocketAddr parser takes s: an
// IPv4 address and port, or an IPv6 address in brackets and a port.
func socketAddrLiteral(s string) bool {
	host, port, err := net.SplitHostPort(s)
	if err != nil || port == "" {
		return false
	}
	for _, r := range port {
		if r < '0' || r > '9' {
			return false
		}
	}
	if strings.Contains(host, "%") {
		return false
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return false
	}
	// IPv6 must be bracketed, IPv4 must not.
	return (ip.To4() != nil && !strings.Contains(host, ":")) == !strings.HasPrefix(s, "[")
}
