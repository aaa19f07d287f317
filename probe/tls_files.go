package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

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
