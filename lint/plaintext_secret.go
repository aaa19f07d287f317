package lint

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/internal/redact"
	"github.com/stepstone-dev/stepstone/report"
)

// Config files end up in ConfigMaps, Git and CI logs, so credentials are
// better given through GreptimeDB's env overrides (GREPTIMEDB_<ROLE>__KEY)
// or filled in from a secret store at deploy time. The rule never prints a
// value, only the key that holds it.
//
// Placeholders are not reported: "${VAR}", "$VAR", "{{ ... }}", "<...>",
// "xxx", "your-..." / "your_...", "changeme" and the like are meant to be
// replaced by envsubst, Helm or a human before the file is used, so a
// warning about them would only be noise. A real secret that happens to look
// like one is rare, and would fail to authenticate anyway.

var rulePlaintextSecret = &Rule{
	Rule: report.Rule{
		ID:       "plaintext-secret",
		Severity: report.Warning,
		Summary:  "a password or secret key written in the config file in plain text",
		Help:     "remove the value from the file and pass it through the GREPTIMEDB_<ROLE>__... env override or a secret store",
		Security: true,
	},
	Check: func(c *Context) {
		for _, v := range specValues(c) {
			if v.env != "" || !isSecretKey(v) || !readByType(c.File, v) {
				continue
			}
			s, ok := v.val.(string)
			if !ok || isPlaceholder(s) {
				continue
			}
			c.ReportValue(v.key, secretHelp(c.File, v.key),
				"%s holds a secret in plain text", displayKey(v.key))
		}
		if v, ok := c.File.Get("user_provider"); ok {
			if s, _ := v.(string); cmdUserProviderHasPassword(s) {
				c.ReportValue("user_provider", fmt.Sprintf(`write "static_user_provider:file:<path>" and mount that file from a secret, or set %s`, envVarFor(c.File, "user_provider")),
					"user_provider holds user passwords in plain text (static_user_provider:cmd)")
			}
		}
		reportOTLPHeaders(c)
		if c.File.Component == configs.Metasrv {
			for _, a := range storeAddrs(c.File) {
				if a.env != "" || !storeAddrHasPassword(a.val) {
					continue
				}
				c.ReportValue(a.key, fmt.Sprintf("remove store_addrs from the file (the file wins over env) and set %s instead, or fill the password in from a secret store",
					envVarFor(c.File, "store_addrs")), "%s holds a database password in plain text", a.key)
			}
		}
	},
}

// reportOTLPHeaders reports logging.otlp_headers values that carry a
// credential: an Authorization header, a header named like a key or token,
// or a "Bearer"/"Basic" value. The value itself is never printed.
func reportOTLPHeaders(c *Context) {
	const prefix = "logging.otlp_headers."
	for _, e := range c.File.Index().Entries() {
		if e.Header || !strings.HasPrefix(e.Key, prefix) {
			continue
		}
		v, ok := c.File.EntryValue(e)
		s, _ := v.(string)
		if !ok || isPlaceholder(s) || !otlpHeaderIsSecret(strings.TrimPrefix(e.Key, prefix), s) {
			continue
		}
		c.ReportValue(e.Key, fmt.Sprintf("remove the header from the file and set %s from a secret store", envVarFor(c.File, e.Key)),
			"%s holds a credential in plain text", displayKey(e.Key))
	}
}

// otlpHeaderIsSecret tells credential headers by name or by value.
func otlpHeaderIsSecret(name, value string) bool {
	n := strings.ToLower(strings.Trim(name, `"'`))
	for _, w := range []string{"authorization", "key", "token", "secret", "auth", "password", "signature", "cookie"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	v := strings.ToLower(strings.TrimSpace(value))
	return strings.HasPrefix(v, "bearer ") || strings.HasPrefix(v, "basic ")
}

// isSecretKey reports whether a value is a credential: the catalog marks
// most of them; the Kafka SASL password is listed here in case it does not.
func isSecretKey(v valueRef) bool {
	if v.spec.Secret {
		return true
	}
	switch v.sk {
	case "wal.sasl.password", "storage.secret_access_key", "storage.access_key_secret", "storage.account_key",
		"storage.sas_token", "storage.credential":
		return true
	}
	return false
}

// readByType reports whether GreptimeDB reads the key with the configured
// storage type or WAL provider. A secret it ignores is reported by
// key-not-for-type, which says to remove it.
func readByType(f *configs.File, v valueRef) bool {
	if block := storageBlock(v.key); block != "" && len(v.spec.StorageTypes) > 0 {
		// A misspelled type ("s3") says nothing about what is read, and
		// the secret is in the file all the same.
		typ := storageType(f, block)
		_, known := configs.BackendFor(typ)
		return contains(v.spec.StorageTypes, typ) || !known
	}
	if strings.HasPrefix(v.key, "wal.") {
		if len(v.spec.WALProviders) > 0 {
			return contains(v.spec.WALProviders, walProvider(f))
		}
		if strings.HasPrefix(v.key, "wal.sasl.") {
			return walProvider(f) == "kafka"
		}
	}
	return true
}

var placeholderRE = regexp.MustCompile(`(?i)^(\$\{.*\}|\$[a-z_][a-z0-9_]*|\{\{.*\}\}|<.*>|x{3,}|\*{3,}|\.{3}|your[-_ ].*|change[-_]?me|replace[-_]?me|todo|redacted|placeholder)$`)

// isPlaceholder reports whether s is empty or obviously a stand-in for a
// real secret (see the comment at the top of this file).
func isPlaceholder(s string) bool {
	s = strings.TrimSpace(s)
	return s == "" || placeholderRE.MatchString(s)
}

// storeAddrHasPassword reports whether a store address carries a password: in
// the user-info part of a URL or as password=... in a key=value string.
func storeAddrHasPassword(s string) bool {
	p, ok := redact.DSNPassword(s)
	return ok && !isPlaceholder(p)
}

// cmdUserProviderHasPassword reports whether a user_provider lists users
// inline, "static_user_provider:cmd:user=pwd[,user2=pwd2]", with a real
// password.
func cmdUserProviderHasPassword(s string) bool {
	users, ok := strings.CutPrefix(s, "static_user_provider:cmd:")
	if !ok {
		return false
	}
	for _, u := range strings.Split(users, ",") {
		if _, pwd, ok := strings.Cut(u, "="); ok && !isPlaceholder(pwd) {
			return true
		}
	}
	return false
}

// envVarFor names the env variable that sets key for f, with the prefix in
// use: "storage.secret_access_key" -> GREPTIMEDB_DATANODE__STORAGE__SECRET_ACCESS_KEY.
func envVarFor(f *configs.File, key string) string {
	prefix := f.Component.EnvPrefix()
	if f.Env != nil && f.Env.Prefix != "" {
		prefix = f.Env.Prefix
	}
	return prefix + "__" + strings.ToUpper(strings.ReplaceAll(key, ".", "__"))
}

// secretHelp says how to move a secret out of the file. Arrays of tables
// ([[storage.providers]]) cannot be set from env vars.
func secretHelp(f *configs.File, key string) string {
	if strings.Contains(key, "[") {
		return "env vars cannot set keys inside [[storage.providers]]: fill the value in from a secret store when the file is deployed"
	}
	return fmt.Sprintf("remove %s from the file (the file wins over env) and set %s instead, or fill it in from a secret store", displayKey(key), envVarFor(f, key))
}
