package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
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
