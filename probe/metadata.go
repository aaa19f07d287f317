package probe

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/internal/redact"
)

// GreptimeDB defaults for the metasrv backend (SCHEMA.md section 1).
const (
	defaultBackend       = "etcd_store"
	defaultEtcdAddr      = "127.0.0.1:2379"
	defaultMetaTable     = "greptime_metakv"
	defaultBackendTLS    = "prefer" // since v1.0; None (plain) before
	etcdTestPrefixMarker = "__stepstone"
)

// metasrvBackendTargets lists the metadata backend probes of a metasrv.
func metasrvBackendTargets(f *configs.File) []Target {
	backend := probeString(f, "backend", defaultBackend)
	switch backend {
	case "etcd_store":
		addrs := probeStrings(f, "store_addrs", []string{defaultEtcdAddr})
		var secrets []string
		for _, a := range addrs {
			secrets = append(secrets, redact.DSNSecrets(a)...)
		}
		var ts []Target
		for i, a := range addrs {
			key := fmt.Sprintf("store_addrs[%d]", i)
			ts = append(ts, Target{Kind: "etcd", Name: "etcd " + probeDisplayAddr(a), Key: key, Addr: a, Addrs: addrs,
				Index: i, Section: "backend_tls", Secrets: secrets})
		}
		if len(addrs) == 0 {
			return nil
		}
		ts = append(ts,
			Target{Kind: "etcd-write", Name: "etcd key-value test", Key: "store_addrs[0]", Addrs: addrs, Index: -1,
				Section: "backend_tls", Secrets: secrets},
			Target{Kind: "etcd-txn", Name: "etcd max_txn_ops", Key: "max_txn_ops", Addrs: addrs, Index: -1,
				Section: "backend_tls", Secrets: secrets, Pos: probePos(f, "max_txn_ops", "store_addrs[0]")})
		return ts
	case "postgres_store", "mysql_store":
		addrs := probeStrings(f, "store_addrs", nil)
		kind := "postgres"
		if backend == "mysql_store" {
			kind = "mysql"
		}
		if len(addrs) == 0 {
			// GreptimeDB fails with "empty store addrs"; with no file
			// value the etcd default would be used, which is no DSN.
			return []Target{{Kind: kind, Name: kind + " (no store_addrs)", Key: "store_addrs", Index: 0, Section: "backend_tls"}}
		}
		a := addrs[0]
		return []Target{{Kind: kind, Name: kind + " " + probeDisplayDSN(kind, a), Key: "store_addrs[0]", Addr: a, Index: 0,
			Section: "backend_tls", Secrets: probeDSNSecrets(a)}}
	case "memory_store":
		return []Target{{Kind: "memory", Name: "memory_store", Key: "backend", Index: -1}}
	}
	// An unknown backend is a static finding; there is nothing to dial.
	return nil
}

// backendTLS reads [backend_tls] with GreptimeDB's defaults.
type backendTLSConfig struct {
	Mode, Cert, Key, CA string
	Set                 bool // the table or one of its keys is configured
}

func readBackendTLS(f *configs.File) backendTLSConfig {
	c := backendTLSConfig{
		Mode: probeString(f, "backend_tls.mode", defaultBackendTLS),
		Cert: probeString(f, "backend_tls.cert_path", ""),
		Key:  probeString(f, "backend_tls.key_path", ""),
		CA:   probeString(f, "backend_tls.ca_cert_path", ""),
	}
	c.Set = probeSet(f, "backend_tls") || probeSet(f, "backend_tls.mode")
	return c
}

// etcdTestPrefix is where stepstone may write: under store_key_prefix,
// named after stepstone and the run.
func etcdTestPrefix(f *configs.File, runID string) string {
	p := probeString(f, "store_key_prefix", "")
	base := etcdTestPrefixMarker + "/" + runID + "/"
	if p == "" {
		return base
	}
	return strings.TrimSuffix(p, "/") + "/" + base
}

// etcdTestRoot is the parent of every run's prefix, for leftover checks.
func etcdTestRoot(f *configs.File) string {
	p := probeString(f, "store_key_prefix", "")
	if p == "" {
		return etcdTestPrefixMarker + "/"
	}
	return strings.TrimSuffix(p, "/") + "/" + etcdTestPrefixMarker + "/"
}

// probeDSNSecrets returns the password in a PostgreSQL or MySQL DSN.
func probeDSNSecrets(dsn string) []string {
	if strings.Contains(dsn, "://") {
		out := redact.DSNSecrets(dsn)
		if u, err := url.Parse(strings.TrimSpace(dsn)); err == nil {
			for _, k := range []string{"password", "sslpassword"} {
				if p := u.Query().Get(k); p != "" {
					out = append(out, p)
				}
			}
		}
		return out
	}
	if kv := pgParseKV(dsn); kv != nil {
		var out []string
		for _, k := range []string{"password", "sslpassword"} {
			if p := kv[k]; p != "" {
				out = append(out, p)
			}
		}
		return out
	}
	return nil
}

// probeDisplayDSN names a database target as host:port/dbname.
func probeDisplayDSN(kind, dsn string) string {
	host, port, db := probeDSNParts(kind, dsn)
	if host == "" && port == "" && db == "" {
		return "(unparsable address)"
	}
	if port == "" {
		if kind == "mysql" {
			port = "3306"
		} else {
			port = "5432"
		}
	}
	if host == "" {
		host = "localhost"
	}
	s := net.JoinHostPort(host, port)
	if strings.HasPrefix(host, "/") {
		s = host
	}
	if db != "" {
		s += "/" + db
	}
	return s
}

// probeDSNParts extracts host, port and database from a DSN without reading
// the environment.
func probeDSNParts(kind, dsn string) (host, port, db string) {
	dsn = strings.TrimSpace(dsn)
	parse := redact.ParsePostgres
	if kind == "mysql" {
		parse = redact.ParseMySQL
	}
	if _, err := parse(dsn); errors.Is(err, redact.ErrAmbiguous) {
		// The host would be a piece of the password: name none.
		return "", "", ""
	}
	if strings.Contains(dsn, "://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", "", ""
		}
		db = strings.TrimPrefix(u.Path, "/")
		if q := u.Query().Get("dbname"); q != "" && kind == "postgres" {
			db = q
		}
		host = u.Hostname()
		if h := u.Query().Get("host"); h != "" && host == "" {
			host = h
		}
		return host, u.Port(), db
	}
	kv := pgParseKV(dsn)
	if kv == nil {
		return "", "", ""
	}
	return kv["host"], kv["port"], kv["dbname"]
}

// percentEncodeHint is the suggestion for an ambiguous connection string.
const percentEncodeHint = "percent-encode the password in store_addrs[0] ('@' as %40, '/' as %2F, '?' as %3F, '#' as %23, ':' as %3A): as written, part of it would be read as the host or database"

// refuseAmbiguous learns the credentials of a parsed store address and,
// when the address is ambiguous, fails the probe before anything is
// dialled or resolved (true).
func (r *probeRun) refuseAmbiguous(d redact.DSN, err error) bool {
	r.addSecrets(d.Secrets...)
	if !errors.Is(err, redact.ErrAmbiguous) {
		return false
	}
	r.fail(ClassConfig, percentEncodeHint,
		"store_addrs[0] is ambiguous: a raw '@', '/', '?' or '#' in the password would be read as the host or database, so nothing was dialled or resolved")
	return true
}
