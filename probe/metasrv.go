package probe

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

// metaClientTargets lists one metasrv probe per meta_client.metasrv_addrs
// entry of a frontend, datanode or flownode.
func metaClientTargets(f *configs.File) []Target {
	if !probeSet(f, "meta_client.metasrv_addrs") {
		// Without the key GreptimeDB takes --metasrv-addrs from the command
		// line, or fails; either way there is nothing here to dial.
		return []Target{{Kind: "metasrv", Name: "metasrv (meta_client.metasrv_addrs not set)", Key: "meta_client.metasrv_addrs", Index: -1}}
	}
	var ts []Target
	for i, a := range probeStrings(f, "meta_client.metasrv_addrs", nil) {
		key := fmt.Sprintf("meta_client.metasrv_addrs[%d]", i)
		ts = append(ts, Target{Kind: "metasrv", Name: "metasrv " + probeDisplayAddr(a), Key: key, Addr: a, Index: i})
	}
	return ts
}

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

// h2Preface is the HTTP/2 client connection preface followed by an empty
// SETTINGS frame (RFC 9113 section 3.4).
var h2Preface = append([]byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 0, 0, 0, 0x4, 0, 0, 0, 0, 0)

// h2cHandshake sends the HTTP/2 preface over a plain connection and reads
// the server's first frame, which must be SETTINGS. gRPC servers answer at
// once; an HTTP/1.1 server answers with a status line, a TLS server with
// an alert.
func h2cHandshake(ctx context.Context, conn net.Conn) error {
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if _, err := conn.Write(h2Preface); err != nil {
		return err
	}
	var hdr [9]byte
	n, err := io.ReadFull(conn, hdr[:])
	if err != nil && n == 0 {
		if errors.Is(err, io.EOF) {
			return &protocolError{"the server closed the connection without answering the HTTP/2 preface: it does not speak gRPC without TLS"}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	got := hdr[:n]
	switch {
	case bytes.HasPrefix(got, []byte("HTTP/")):
		line := string(got)
		if rest, _ := h2ReadLine(conn); rest != "" {
			line += rest
		}
		return &protocolError{fmt.Sprintf("the server speaks HTTP/1.x (%q), not gRPC over HTTP/2", strings.TrimSpace(line))}
	case len(got) >= 2 && (got[0] == 0x15 || got[0] == 0x16) && got[1] == 0x03:
		return &protocolError{"the server expects TLS on this port"}
	case n < 9:
		return &protocolError{fmt.Sprintf("the server sent %d bytes that are not an HTTP/2 frame", n)}
	case got[3] != 0x4:
		return &protocolError{fmt.Sprintf("the server's first HTTP/2 frame has type %d, not SETTINGS", got[3])}
	}
	return nil
}

func h2ReadLine(conn net.Conn) (string, error) {
	buf := make([]byte, 64)
	n, err := conn.Read(buf)
	s := string(buf[:n])
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	return s, err
}

// protocolError is a peer that answers, but not in the expected protocol.
type protocolError struct{ msg string }

func (e *protocolError) Error() string { return e.msg }

// ProbeMetasrv checks one metasrv address: it resolves, accepts TCP, speaks
// HTTP/2 without TLS (h2c) and answers gRPC. The standard health service
// is asked; a server without it (UNIMPLEMENTED) still proves gRPC works.
func ProbeMetasrv(ctx context.Context, t Target) report.ProbeResult {
	return runProbe(ctx, t, func(ctx context.Context, r *probeRun) {
		if t.Addr == "" && t.Index < 0 {
			r.skip("meta_client.metasrv_addrs is not set in the file or the environment (GreptimeDB then needs --metasrv-addrs)")
			return
		}
		host, port, err := probeSplitHostPort(t.Key, t.Addr)
		if err != nil {
			r.failErr(err, classify, "cannot use %s", t.Key)
			r.res.Message = probeErrText(err)
			return
		}
		hostport := net.JoinHostPort(host, port)
		var facts []string
		if net.ParseIP(host) == nil {
			ips, err := net.DefaultResolver.LookupHost(ctx, host)
			if err != nil {
				r.failErr(err, classify, "cannot resolve metasrv host %q", host)
				return
			}
			facts = append(facts, "resolves to "+probeListNames(ips, 3))
		}
		start := time.Now()
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", hostport)
		if err != nil {
			r.failErr(err, classify, "cannot connect to metasrv at %s", hostport)
			return
		}
		connectDur := time.Since(start)
		err = h2cHandshake(ctx, conn)
		conn.Close()
		if err != nil {
			var pe *protocolError
			if errors.As(err, &pe) {
				r.fail(ClassProtocol, fmt.Sprintf("point %s at metasrv's gRPC port ([grpc] bind_addr of metasrv, default 3002), not its HTTP port (4000) or another service", t.Key),
					"%s is open but is not a gRPC server: %s", hostport, pe.msg)
				return
			}
			class, sug := classify(err)
			if class == ClassTimeout {
				sug = "the port accepts connections but never answers the HTTP/2 handshake: check it is metasrv's gRPC port and nothing in between (a proxy, a load balancer) holds the connection"
			}
			r.fail(class, sug, "%s accepted a TCP connection but did not complete an HTTP/2 handshake: %s", hostport, probeErrText(err))
			return
		}
		facts = append(facts, "TCP connect "+connectDur.Round(time.Millisecond).String(), "HTTP/2 ok")

		cc, err := grpc.NewClient("passthrough:///"+hostport, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			r.failErr(err, classify, "cannot set up a gRPC client for %s", hostport)
			return
		}
		defer cc.Close()
		resp, err := healthpb.NewHealthClient(cc).Check(ctx, &healthpb.HealthCheckRequest{})
		r.res.Metrics = append(r.res.Metrics, report.Metric{Name: "metasrv_connect_latency", Value: connectDur.Seconds(), Unit: "seconds"})
		switch {
		case status.Code(err) == codes.Unimplemented:
			r.pass("metasrv at %s answers gRPC (%s); it does not implement grpc.health.v1, which is fine", hostport, strings.Join(facts, ", "))
		case err != nil:
			r.failErr(err, classify, "gRPC health check of %s failed", hostport)
		case resp.GetStatus() == healthpb.HealthCheckResponse_SERVING:
			r.pass("metasrv at %s is serving (%s, grpc.health.v1 SERVING)", hostport, strings.Join(facts, ", "))
		default:
			r.fail("unhealthy", "look at metasrv's log: it may be starting, or unable to reach its metadata backend",
				"metasrv at %s answers gRPC but reports %s", hostport, resp.GetStatus())
		}
	})
}

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

// probeTLSSections are the frontend's server TLS tables.
var probeTLSSections = []string{"grpc.tls", "mysql.tls", "postgres.tls", "internal_grpc.tls"}

func tlsFileTargets(f *configs.File) []Target {
	var ts []Target
	for _, sec := range probeTLSSections {
		mode := probeString(f, sec+".mode", "disable")
		if !probeSet(f, sec+".mode") || mode == "disable" {
			continue
		}
		ts = append(ts, Target{Kind: "tls-files", Name: "tls " + sec, Key: sec + ".mode", Section: sec, Index: -1})
	}
	return ts
}

// ProbeTLSFiles checks that a server TLS table's cert_path and key_path
// exist and load as a matching pair: GreptimeDB loads them at start for
// every mode but "disable". Without OnHost a missing file is only a
// warning: the paths are the server's, not necessarily this machine's.
func ProbeTLSFiles(ctx context.Context, t Target) report.ProbeResult {
	return runProbe(ctx, t, func(ctx context.Context, r *probeRun) {
		sec, f := t.Section, t.File
		mode := probeString(f, sec+".mode", "disable")
		cert := probeString(f, sec+".cert_path", "")
		key := probeString(f, sec+".key_path", "")
		for _, p := range []struct{ key, val string }{{sec + ".cert_path", cert}, {sec + ".key_path", key}} {
			if p.val == "" {
				r.at(p.key, t.Key)
				r.fail(ClassConfig, fmt.Sprintf("set %s, or set %s.mode = \"disable\"", p.key, sec),
					"%s.mode = %q but %s is not set: the server fails to start", sec, mode, p.key)
				return
			}
		}
		for _, p := range []struct{ key, val string }{{sec + ".cert_path", cert}, {sec + ".key_path", key}} {
			if _, err := os.Stat(p.val); err != nil {
				r.at(p.key)
				class, sug := classify(err)
				if !t.Opts.OnHost && errors.Is(err, os.ErrNotExist) {
					r.warn("run stepstone with --on-host on the machine where the frontend runs to check it",
						"%s = %q does not exist on this machine", p.key, p.val)
					return
				}
				r.fail(class, sug, "%s = %q cannot be used: %s", p.key, p.val, probeErrText(err))
				return
			}
		}
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			r.at(sec+".cert_path", t.Key)
			r.fail(ClassTLS, fmt.Sprintf("%s must be a PEM certificate (chain) and %s its PEM private key (PKCS#1, PKCS#8 or SEC1)", sec+".cert_path", sec+".key_path"),
				"%s cert_path and key_path do not load as a pair: %s", sec, probeErrText(err))
			return
		}
		leaf, err := x509.ParseCertificate(pair.Certificate[0])
		if err != nil {
			r.at(sec+".cert_path", t.Key)
			r.fail(ClassTLS, "regenerate the certificate", "%s.cert_path does not parse: %s", sec, probeErrText(err))
			return
		}
		now := time.Now()
		names := leaf.DNSNames
		for _, ip := range leaf.IPAddresses {
			names = append(names, ip.String())
		}
		desc := fmt.Sprintf("subject %q, valid until %s", leaf.Subject.CommonName, leaf.NotAfter.UTC().Format("2006-01-02"))
		if len(names) > 0 {
			desc += ", names " + probeListNames(names, 4)
		}
		switch {
		case now.After(leaf.NotAfter):
			r.at(sec+".cert_path", t.Key)
			r.fail(ClassTLS, "renew the certificate", "%s.cert_path expired on %s (%s)", sec, leaf.NotAfter.UTC().Format("2006-01-02"), desc)
		case now.Before(leaf.NotBefore):
			r.at(sec+".cert_path", t.Key)
			r.fail(ClassTLS, "check the clock, or wait until the certificate is valid", "%s.cert_path is not valid before %s", sec, leaf.NotBefore.UTC().Format(time.RFC3339))
		case leaf.NotAfter.Sub(now) < 14*24*time.Hour:
			r.at(sec+".cert_path", t.Key)
			r.warn("renew the certificate soon", "%s.cert_path expires in less than 14 days (%s)", sec, desc)
		default:
			r.pass("%s cert_path and key_path load as a pair (%s)", sec, desc)
		}
	})
}
