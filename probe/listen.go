package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

// listenTargets checks every address a frontend binds (configs.Listeners,
// the list the port-clash rule reads too).
func listenTargets(f *configs.File) []Target {
	ls := configs.Listeners(f)
	var ts []Target
	for i, l := range ls {
		var earlier []string
		for _, e := range ls[:i] {
			earlier = append(earlier, e.Key+"="+e.Addr)
		}
		ts = append(ts, Target{Kind: "listen", Name: "listen " + l.Key + " " + l.Addr, Key: l.Key, Addr: l.Addr, Addrs: earlier, Index: i})
	}
	return ts
}

// probeSameListen reports whether two host:port listeners collide: same port
// and the same host, or either binds every address.
func probeSameListen(h1, p1, h2, p2 string) bool {
	if p1 != p2 || p1 == "0" {
		return false
	}
	norm := func(h string) string {
		switch strings.ToLower(h) {
		case "localhost", "::1":
			return "127.0.0.1"
		}
		return strings.ToLower(h)
	}
	wild := func(h string) bool { return h == "" || h == "0.0.0.0" || h == "::" }
	return wild(h1) || wild(h2) || norm(h1) == norm(h2)
}

// ProbeListen checks one frontend listen address: it parses, does not
// collide with another listener of the same file, and with OnHost is free
// to bind on this machine (bound and closed at once).
func ProbeListen(ctx context.Context, t Target) report.ProbeResult {
	return runProbe(ctx, t, func(ctx context.Context, r *probeRun) {
		host, port, err := probeSplitHostPort(t.Key, t.Addr)
		if err != nil {
			r.fail(ClassConfig, "write the address as host:port, e.g. 0.0.0.0:4000", "%s", probeErrText(err))
			return
		}
		for _, e := range t.Addrs {
			k, a, _ := strings.Cut(e, "=")
			h2, p2, err := net.SplitHostPort(a)
			if err != nil {
				continue
			}
			if probeSameListen(host, port, h2, p2) {
				r.fail(ClassConfig, fmt.Sprintf("give %s and %s different ports", t.Key, k),
					"%s = %q collides with %s = %q: the frontend cannot bind both", t.Key, t.Addr, k, a)
				return
			}
		}
		if !t.Opts.OnHost {
			r.pass("%s = %q parses and collides with no other listener (binding not tried: not --on-host)", t.Key, t.Addr)
			return
		}
		lc := net.ListenConfig{}
		ln, err := lc.Listen(ctx, "tcp", net.JoinHostPort(host, port))
		if err != nil {
			switch {
			case errors.Is(err, syscall.EADDRINUSE):
				r.fail(ClassInUse, "stop what listens there (is a GreptimeDB process already running?) or change "+t.Key,
					"%s = %q is already in use on this host", t.Key, t.Addr)
			case errors.Is(err, syscall.EADDRNOTAVAIL):
				r.fail(ClassConfig, "use an address of this host, or 0.0.0.0 to listen on all", "%s = %q: the IP is not an address of this host", t.Key, t.Addr)
			case errors.Is(err, syscall.EACCES):
				r.fail(ClassPermission, "use a port above 1024, or give the process CAP_NET_BIND_SERVICE", "%s = %q: binding is not permitted", t.Key, t.Addr)
			default:
				r.failErr(err, classify, "cannot bind %s = %q", t.Key, t.Addr)
			}
			return
		}
		ln.Close()
		r.pass("%s = %q is free to bind on this host", t.Key, t.Addr)
	})
}
