package lint

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/internal/redact"
	"github.com/stepstone-dev/stepstone/report"
)

// Metasrv keeps the cluster's metadata in etcd, PostgreSQL or MySQL, and
// reads store_addrs differently for each (SCHEMA.md sections 1 and 8): etcd
// takes host:port (or http(s)://) endpoints, PostgreSQL a libpq string or URI
// (only the first element), MySQL a mysql:// URL parsed by sqlx.

// metaBackend is metasrv's effective backend; "" when it is not a string.
func metaBackend(f *configs.File) string {
	v, _, ok := f.Lookup("backend")
	if !ok {
		return "etcd_store"
	}
	s, _ := v.(string)
	return s
}

// storeAddr is one store_addrs element, with its key and env variable.
type storeAddr struct {
	key, val, env string
}

// storeAddrs returns the effective store_addrs of a metasrv file, or nil
// when unset (the default 127.0.0.1:2379 is fine for etcd).
func storeAddrs(f *configs.File) []storeAddr {
	v, origin, ok := f.Lookup("store_addrs")
	if !ok {
		return nil
	}
	var out []storeAddr
	add := func(i int, el any) {
		if s, ok := el.(string); ok {
			out = append(out, storeAddr{key: fmt.Sprintf("store_addrs[%d]", i), val: s, env: origin.Var})
		}
	}
	switch x := v.(type) {
	case []any:
		for i, el := range x {
			add(i, el)
		}
	case string:
		add(0, x)
	}
	return out
}

// reportStore puts a finding on a store_addrs element, or on the file when
// it came from the environment.
func reportStore(c *Context, a storeAddr, sev report.Severity, help, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if a.env != "" {
		c.ReportEnv(a.key, help, "%s (from env %s)", msg, a.env)
		c.findings[len(c.findings)-1].Severity = sev
		return
	}
	c.ReportValue(a.key, help, "%s", msg)
	c.findings[len(c.findings)-1].Severity = sev
}

var ruleMetadataStoreAddress = &Rule{
	Rule: report.Rule{
		ID:       "metadata-store-address",
		Severity: report.Error,
		Summary:  "a store_addrs entry the metadata backend cannot use (wrong scheme, no database, bad sslmode)",
		Help:     `etcd_store takes "host:2379" or "https://host:2379"; postgres_store a "postgres://user@host:5432/db" URI or "host=h dbname=db" string; mysql_store a "mysql://user@host:3306/db" URL`,
		URL:      "https://docs.greptime.com/user-guide/deployments-administration/manage-metadata/configuration",
	},
	Check: func(c *Context) {
		if c.File.Component != configs.Metasrv {
			return
		}
		backend := metaBackend(c.File)
		for i, a := range storeAddrs(c.File) {
			switch backend {
			case "etcd_store":
				if _, _, _, err := configs.ParseEtcdAddr(a.val); err != nil {
					msg := err.Error()
					if p, ok := redact.DSNPassword(a.val); ok {
						msg = strings.ReplaceAll(msg, p, redact.Mask)
					}
					reportStore(c, a, report.Error, "", "%s: %s", a.key, msg)
				}
			case "postgres_store":
				if i == 0 {
					if msg, help := checkPostgresDSN(a.val); msg != "" {
						reportStore(c, a, report.Error, help, "%s %s", a.key, msg)
					}
				}
			case "mysql_store":
				if i == 0 {
					if msg, help := checkMySQLURL(a.val); msg != "" {
						reportStore(c, a, report.Error, help, "%s %s", a.key, msg)
					}
				}
			}
		}
	},
}

// checkPostgresDSN checks a PostgreSQL store address the way metasrv's
// deadpool-postgres / tokio-postgres parse it. It returns a message tail
// and help, or "" when the address is fine. The DSN itself is never quoted:
// it may hold a password.
func checkPostgresDSN(s string) (string, string) {
	const help = `write "postgres://user@host:5432/dbname" or "host=h port=5432 user=u dbname=db"; put verify_ca/verify_full in [backend_tls]`
	var params map[string]string
	if scheme, _, ok := strings.Cut(s, "://"); ok {
		switch strings.ToLower(scheme) {
		case "postgres", "postgresql":
		default:
			return fmt.Sprintf("is a %s:// URL, but backend is \"postgres_store\"", scheme), help
		}
		u, err := parseDSNURL(s)
		if err != nil {
			return "is not a valid postgres:// URI", help
		}
		params = u
	} else {
		kv, err := parseConninfo(s)
		if err != nil {
			return fmt.Sprintf("is neither a postgres:// URI nor a key=value connection string: %v", err), help
		}
		params = kv
	}
	if params["dbname"] == "" {
		return "names no database (dbname), so metasrv fails to start with DbnameMissing", help
	}
	if mode, ok := params["sslmode"]; ok && !contains([]string{"disable", "prefer", "require"}, mode) {
		return fmt.Sprintf("sets sslmode %q, which the PostgreSQL store does not accept (only \"disable\", \"prefer\" or \"require\")", mode),
			"remove sslmode from the connection string and set [backend_tls] mode instead"
	}
	return "", ""
}

// checkMySQLURL checks a MySQL store address: sqlx parses it as a URL and
// does not look at the scheme, so a postgres:// URL is dialled as MySQL.
func checkMySQLURL(s string) (string, string) {
	const help = `write "mysql://user@host:3306/database"`
	scheme, _, ok := strings.Cut(s, "://")
	if !ok {
		return "is not a mysql:// URL, which backend \"mysql_store\" needs", help
	}
	switch strings.ToLower(scheme) {
	case "mysql", "mariadb":
	default:
		return fmt.Sprintf("is a %s:// URL, but backend is \"mysql_store\": metasrv would dial it as MySQL", scheme), help
	}
	params, err := parseDSNURL(s)
	if err != nil {
		return "is not a valid mysql:// URL", help
	}
	if params["dbname"] == "" {
		return "names no database, so creating the metadata table fails with \"No database selected\"", help
	}
	return "", ""
}

// parseDSNURL splits scheme://user:pass@host:port/db?k=v into parameters:
// user, password, host, dbname and the query keys. It is lenient about the
// host part, which may list several hosts for PostgreSQL.
func parseDSNURL(s string) (map[string]string, error) {
	_, rest, _ := strings.Cut(s, "://")
	out := map[string]string{}
	rest, query, _ := strings.Cut(rest, "?")
	authority, path, _ := strings.Cut(rest, "/")
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		user, pass, hasPass := strings.Cut(authority[:i], ":")
		out["user"] = user
		if hasPass {
			out["password"] = pass
		}
		authority = authority[i+1:]
	}
	out["host"] = authority
	if path != "" {
		db, err := url.PathUnescape(path)
		if err != nil {
			return nil, err
		}
		out["dbname"] = db
	}
	if query != "" {
		q, err := url.ParseQuery(query)
		if err != nil {
			return nil, err
		}
		for k, v := range q {
			if len(v) > 0 && (k != "dbname" || out["dbname"] == "") {
				out[k] = v[len(v)-1]
			}
		}
	}
	return out, nil
}

// parseConninfo parses a libpq key=value string as tokio-postgres does:
// whitespace-separated pairs, spaces allowed around '=', values optionally
// single-quoted with backslash escapes.
func parseConninfo(s string) (map[string]string, error) {
	out := map[string]string{}
	r := []rune(s)
	i := 0
	skip := func() {
		for i < len(r) && (r[i] == ' ' || r[i] == '\t' || r[i] == '\n' || r[i] == '\r') {
			i++
		}
	}
	for {
		skip()
		if i >= len(r) {
			break
		}
		start := i
		for i < len(r) && r[i] != '=' && r[i] != ' ' && r[i] != '\t' {
			i++
		}
		key := string(r[start:i])
		skip()
		if i >= len(r) || r[i] != '=' {
			return nil, fmt.Errorf("expected = after %q", key)
		}
		i++
		skip()
		var val strings.Builder
		if i < len(r) && r[i] == '\'' {
			i++
			closed := false
			for i < len(r) {
				switch r[i] {
				case '\\':
					if i+1 < len(r) {
						val.WriteRune(r[i+1])
						i += 2
						continue
					}
					i++
				case '\'':
					i++
					closed = true
				default:
					val.WriteRune(r[i])
					i++
					continue
				}
				break
			}
			if !closed {
				return nil, fmt.Errorf("unterminated quoted value for %q", key)
			}
		} else {
			for i < len(r) && r[i] != ' ' && r[i] != '\t' && r[i] != '\n' && r[i] != '\r' {
				if r[i] == '\\' && i+1 < len(r) {
					i++
				}
				val.WriteRune(r[i])
				i++
			}
		}
		if key == "" {
			return nil, fmt.Errorf("empty key")
		}
		out[key] = val.String()
	}
	return out, nil
}

var ruleStoreAddrsIgnored = &Rule{
	Rule: report.Rule{
		ID:       "store-addrs-ignored",
		Severity: report.Warning,
		Summary:  "extra store_addrs entries that the PostgreSQL or MySQL backend ignores (only the first is used)",
		Help:     "keep a single store_addrs entry; for PostgreSQL high availability list several hosts inside one connection string",
	},
	Check: func(c *Context) {
		if c.File.Component != configs.Metasrv {
			return
		}
		backend := metaBackend(c.File)
		if backend != "postgres_store" && backend != "mysql_store" {
			return
		}
		addrs := storeAddrs(c.File)
		if len(addrs) < 2 {
			return
		}
		reportStore(c, addrs[1], c.rule.Severity, "",
			"store_addrs has %d entries, but backend %q uses only store_addrs[0] and ignores the rest", len(addrs), backend)
	},
}

var ruleMemoryStore = &Rule{
	Rule: report.Rule{
		ID:       "memory-store",
		Severity: report.Warning,
		Summary:  "metasrv keeps metadata in memory, so it is lost on restart",
		Help:     `use backend = "etcd_store", "postgres_store" or "mysql_store" outside of tests`,
	},
	Check: func(c *Context) {
		if c.File.Component != configs.Metasrv || metaBackend(c.File) != "memory_store" {
			return
		}
		reportLookup(c, "backend", "", `backend "memory_store" keeps all cluster metadata in memory: it is lost when metasrv restarts`)
	},
}

// reportLookup reports at the value of key when the file sets it, else on
// the whole file naming the env variable that set it.
func reportLookup(c *Context, key, help, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if _, origin, ok := c.File.Lookup(key); ok && origin.Kind == configs.OriginEnv {
		c.ReportEnv(key, help, "%s (from env %s)", msg, origin.Var)
		return
	}
	c.ReportValue(key, help, "%s", msg)
}

// etcdMaxTxnOps is etcd's default --max-txn-ops.
const etcdMaxTxnOps = 128

var ruleMaxTxnOps = &Rule{
	Rule: report.Rule{
		ID:       "max-txn-ops",
		Severity: report.Warning,
		Summary:  "max_txn_ops above etcd's default --max-txn-ops (128)",
		Help:     "keep max_txn_ops at or below the --max-txn-ops your etcd runs with (128 by default), or raise that flag on etcd",
		URL:      "https://etcd.io/docs/latest/op-guide/configuration/",
	},
	Check: func(c *Context) {
		if c.File.Component != configs.Metasrv || metaBackend(c.File) != "etcd_store" {
			return
		}
		v, _, ok := c.File.Lookup("max_txn_ops")
		n, isInt := v.(int64)
		if !ok || !isInt || n <= etcdMaxTxnOps {
			return
		}
		reportLookup(c, "max_txn_ops", "", "max_txn_ops %d is above etcd's default --max-txn-ops of %d, so large transactions fail with \"too many operations in txn request\"", n, etcdMaxTxnOps)
	},
}

// etcdMaxRequestBytes is etcd's default --max-request-bytes (1.5 MiB).
const etcdMaxRequestBytes = 1536 * 1024

var ruleMaxMetadataValueSize = &Rule{
	Rule: report.Rule{
		ID:       "max-metadata-value-size",
		Severity: report.Warning,
		Summary:  "procedure.max_metadata_value_size above etcd's default --max-request-bytes (1.5 MiB)",
		Help:     `keep procedure.max_metadata_value_size below etcd's --max-request-bytes, such as the default "1500KiB"`,
		URL:      "https://etcd.io/docs/latest/dev-guide/limit/",
	},
	Check: func(c *Context) {
		if c.File.Component != configs.Metasrv || metaBackend(c.File) != "etcd_store" {
			return
		}
		const key = "procedure.max_metadata_value_size"
		v, _, ok := c.File.Lookup(key)
		if !ok {
			return
		}
		n, err := configs.ParseSize(v)
		if err != nil || uint64(n) <= etcdMaxRequestBytes {
			return
		}
		reportLookup(c, key, "", "%s %s is above etcd's default --max-request-bytes of 1.5 MiB, so etcd rejects large procedure states", key, showScalar(v))
	},
}

// showScalar renders a string or number for a message: "2MiB" or 2097152.
func showScalar(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprint(v)
}

var ruleFailoverLocalWAL = &Rule{
	Rule: report.Rule{
		ID:       "failover-local-wal",
		Severity: report.Error,
		Summary:  "region failover enabled with a local (raft_engine) WAL, which metasrv refuses at start",
		Help:     `use wal.provider = "kafka" (and shared object storage) for region failover, or set allow_region_failover_on_local_wal = true knowing that unflushed data is lost on failover`,
		URL:      "https://docs.greptime.com/user-guide/deployments-administration/manage-data/region-failover",
	},
	Check: func(c *Context) {
		if c.File.Component != configs.Metasrv {
			return
		}
		if v, _, _ := c.File.Lookup("enable_region_failover"); v != true {
			return
		}
		if v, _, _ := c.File.Lookup("allow_region_failover_on_local_wal"); v == true {
			return
		}
		if p := walProvider(c.File); p != "raft_engine" {
			return
		}
		reportLookup(c, "enable_region_failover", "", "enable_region_failover is true but wal.provider is \"raft_engine\" (a local WAL), so metasrv fails to start unless allow_region_failover_on_local_wal = true")
	},
}
