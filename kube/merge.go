package kube

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

// genKey is one key the operator writes into a component's config
// (pkg/dbconfig: the tomlmapping tags).
type genKey struct {
	key   string
	value any
	// from is the resource field the value comes from; findings about the
	// key point there.
	from string
	// explicit is set when from is written in the resource, rather than a
	// default the operator fills in.
	explicit bool
}

// runtimeKey is a key that the component gets at start rather than from its
// ConfigMap: a command-line flag of the operator's container args, or the
// initializer's rewrite of the datanode and flownode config. Both beat the
// config file.
type runtimeKey struct {
	key   string
	value any
	// by names the flag or the initializer, for messages.
	by string
}

// Config is one component's config as the operator generates it, merged
// with what the component gets at start.
type Config struct {
	Component Component
	// User is the component's `config` alone; nil when the resource sets
	// none.
	User *configs.File
	// File is the merged config: what stepstone lints and probes. Its
	// positions are remapped to the manifest with Remap.
	File *configs.File
	// Env is the component's environment from the pod templates (plain
	// values only), in os.Environ form.
	Env []string

	cluster  *Cluster
	gen      map[string]genKey
	runtime  map[string]runtimeKey
	envFrom  map[string]string // env var name -> resource path of its entry
	shadowed []shadow          // user keys the merge overrode or kept over the spec
	fromCM   bool              // File is a ConfigMap's config.toml
}

// shadow is a clash between the user's config and the operator.
type shadow struct {
	key    string
	from   string // resource field, or "" for a runtime key
	by     string // flag or initializer for a runtime key
	userWn bool   // the user's value won (InjectedDataFirst)
}

// placeholderSecret stands for a credential that could not be read: the
// plaintext-secret rule and the redaction of reports treat "<...>" as a
// placeholder, never as a secret.
func placeholderSecret(name, key string) string {
	return fmt.Sprintf("<Secret %s key %s>", name, key)
}

// secretValue returns the value of key in Secret name, or a placeholder.
func (c *Cluster) secretValue(name, key string) string {
	s := c.secret(name)
	if s.State == SecretFound {
		if v, ok := s.Data[key]; ok {
			return string(v)
		}
	}
	return placeholderSecret(name, key)
}

// generated lists the keys the operator writes for comp, in the order of
// its config structs.
func (c *Cluster) generated(comp Component) []genKey {
	var out []genKey
	add := func(key string, value any, from string) {
		out = append(out, genKey{key: key, value: value, from: from, explicit: c.loc.Has(from)})
	}
	switch comp.Role {
	case "meta":
		add("enable_region_failover", getBool(c.Object, "spec.meta.enableRegionFailover", false), "spec.meta.enableRegionFailover")
		c.genBackend(add)
		c.genKafka(add)
	case "datanode":
		c.genStorage(add)
		// wal.dir only without Kafka: the raft-engine mount, else
		// spec.datanode's <dataHome>/wal, for groups too (GetWALDir).
		if !c.isSet("spec.wal.kafka") {
			if c.isSet("spec.wal.raftEngine") {
				if mp := c.str("spec.wal.raftEngine.fs.mountPath"); mp != "" {
					add("wal.dir", mp, "spec.wal.raftEngine.fs.mountPath")
				}
			} else if c.spec()["datanode"] != nil {
				dh := c.str("spec.datanode.storage.dataHome")
				if dh == "" {
					dh = "/data/greptimedb"
				}
				add("wal.dir", dh+"/wal", "spec.datanode.storage.dataHome")
			}
		}
		dh := c.str(comp.Path + ".storage.dataHome")
		if dh == "" {
			dh = "/data/greptimedb"
		}
		add("storage.data_home", dh, comp.Path+".storage.dataHome")
		c.genKafka(add)
	case "frontend":
		if getBool(c.Object, comp.Path+".enableObjectStorage", false) {
			c.genStorage(add)
		}
	}
	c.genLogging(comp, add)
	if comp.Role == "frontend" {
		c.genSlowQuery(comp, add)
	}
	c.genTracing(comp, add)
	return out
}

func (c *Cluster) genBackend(add func(string, any, string)) {
	const b = "spec.meta.backendStorage."
	switch {
	case c.isSet(b + "etcd"):
		add("store_addrs", toAny(getStrings(c.Object, b+"etcd.endpoints")), b+"etcd.endpoints")
		if p := c.str(b + "etcd.storeKeyPrefix"); p != "" {
			add("store_key_prefix", p, b+"etcd.storeKeyPrefix")
		}
		add("backend", "etcd_store", b+"etcd")
	case c.isSet(b + "mysql"):
		add("store_addrs", []any{c.dsn("mysql")}, b+"mysql.credentialsSecretName")
		add("meta_table_name", c.str(b+"mysql.table"), b+"mysql.table")
		add("backend", "mysql_store", b+"mysql")
	case c.isSet(b + "postgresql"):
		add("store_addrs", []any{c.dsn("postgresql")}, b+"postgresql.credentialsSecretName")
		add("meta_table_name", c.str(b+"postgresql.table"), b+"postgresql.table")
		add("meta_election_lock_id", getInt(c.Object, b+"postgresql.electionLockID", 0), b+"postgresql.electionLockID")
		add("backend", "postgres_store", b+"postgresql")
	}
}

// dsn builds the connection string as the operator does, with fmt.Sprintf
// and no escaping (generateMySQLConnectionString).
func (c *Cluster) dsn(db string) string {
	b := "spec.meta.backendStorage." + db + "."
	secret := c.str(b + "credentialsSecretName")
	user, pass := c.secretValue(secret, "username"), c.secretValue(secret, "password")
	scheme := "mysql"
	if db == "postgresql" {
		scheme = "postgres"
	}
	return fmt.Sprintf("%s://%s:%s@%s:%d/%s", scheme, user, pass, c.str(b+"host"), getInt(c.Object, b+"port", 0), c.str(b+"database"))
}

// genStorage writes the storage.* keys of the first provider
// (StorageConfig.ConfigureObjectStorage).
func (c *Cluster) genStorage(add func(string, any, string)) {
	ps := c.objectStorageProviders()
	if len(ps) > 0 {
		p := ps[0]
		base := "spec.objectStorage." + p
		secret := c.str(base + ".secretName")
		backend, _ := configs.BackendForOperator(p)
		add("storage.type", backend.Type, base)
		add("storage."+backend.Container, c.str(base+"."+backend.Container), base+"."+backend.Container)
		add("storage.root", c.str(base+".root"), base+".root")
		add("storage.endpoint", c.str(base+".endpoint"), base+".endpoint")
		switch p {
		case "s3", "oss":
			add("storage.region", c.str(base+".region"), base+".region")
		case "gcs":
			add("storage.scope", c.str(base+".scope"), base+".scope")
		}
		if secret != "" {
			sp := base + ".secretName"
			switch p {
			case "s3":
				add("storage.access_key_id", c.secretValue(secret, "access-key-id"), sp)
				add("storage.secret_access_key", c.secretValue(secret, "secret-access-key"), sp)
			case "oss":
				add("storage.access_key_id", c.secretValue(secret, "access-key-id"), sp)
				add("storage.access_key_secret", c.secretValue(secret, "access-key-secret"), sp)
			case "gcs":
				v := c.secretValue(secret, "service-account-key")
				if !strings.HasPrefix(v, "<") {
					v = base64.StdEncoding.EncodeToString([]byte(v))
				}
				add("storage.credential", v, sp)
			case "azblob":
				add("storage.account_name", c.secretValue(secret, "account-name"), sp)
				add("storage.account_key", c.secretValue(secret, "account-key"), sp)
			}
		}
		if p == "s3" && getBool(c.Object, base+".enableVirtualHostStyle", false) {
			add("storage.enable_virtual_host_style", true, base+".enableVirtualHostStyle")
		}
	}
	if cc := c.str("spec.objectStorage.cache.cacheCapacity"); cc != "" {
		add("storage.cache_capacity", cc, "spec.objectStorage.cache.cacheCapacity")
	}
	if mp := c.str("spec.objectStorage.cache.fs.mountPath"); mp != "" {
		add("storage.cache_path", mp, "spec.objectStorage.cache.fs.mountPath")
	}
}

// genKafka writes the remote WAL keys (WALConfig.configureKafka).
func (c *Cluster) genKafka(add func(string, any, string)) {
	const k = "spec.wal.kafka"
	if !c.isSet(k) {
		return
	}
	add("wal.provider", "kafka", k)
	if eps := getStrings(c.Object, k+".brokerEndpoints"); len(eps) > 0 {
		add("wal.broker_endpoints", toAny(eps), k+".brokerEndpoints")
	}
	if t := c.str(k + ".sasl.type"); t != "" {
		add("wal.sasl.type", t, k+".sasl.type")
	}
	if u := c.str(k + ".sasl.username"); u != "" {
		add("wal.sasl.username", u, k+".sasl.username")
	}
	if p := c.str(k + ".sasl.password"); p != "" {
		add("wal.sasl.password", p, k+".sasl.password")
	}
	if name := c.str(k + ".sasl.secretRef.name"); name != "" {
		sp := k + ".sasl.secretRef.name"
		add("wal.sasl.username", c.secretValue(name, c.str(k+".sasl.secretRef.usernameKey")), sp)
		add("wal.sasl.password", c.secretValue(name, c.str(k+".sasl.secretRef.passwordKey")), sp)
	}
	for from, key := range map[string]string{"serverCaCertPath": "server_ca_cert_path", "clientCertPath": "client_cert_path", "clientKeyPath": "client_key_path"} {
		if v := c.str(k + ".tls." + from); v != "" {
			add("wal.tls."+key, v, k+".tls."+from)
		}
	}
}

// genLogging writes logging.* from the component's logging merged over the
// cluster's and the defaults (MergeWithGlobalLogging, ConfigureLogging).
func (c *Cluster) genLogging(comp Component, add func(string, any, string)) {
	pick := func(field, def string) (string, string) {
		for _, base := range []string{comp.Path + ".logging", "spec.logging"} {
			if v := c.str(base + "." + field); v != "" {
				return v, base + "." + field
			}
		}
		return def, comp.Path + ".logging"
	}
	dir, dirFrom := pick("logsDir", "/data/greptimedb/logs")
	if only, from := pick("onlyLogToStdout", "false"); only == "true" {
		dir, dirFrom = "", from
	}
	level, levelFrom := pick("level", "info")
	var filters []string
	for _, base := range []string{comp.Path + ".logging", "spec.logging"} {
		if f := getStrings(c.Object, base+".filters"); len(f) > 0 {
			filters = f
			break
		}
	}
	if len(filters) > 0 {
		level += "," + strings.Join(filters, ",")
	}
	format, formatFrom := pick("format", "text")
	if getBool(c.Object, "spec.monitoring.enabled", false) {
		format = "json"
	}
	add("logging.dir", dir, dirFrom)
	add("logging.level", level, levelFrom)
	add("logging.log_format", format, formatFrom)
}

func (c *Cluster) genSlowQuery(comp Component, add func(string, any, string)) {
	base := comp.Path + ".slowQuery"
	str := func(f, def string) string {
		if v := c.str(base + "." + f); v != "" {
			return v
		}
		return def
	}
	ratio, err := strconv.ParseFloat(str("sampleRatio", "1.0"), 64)
	if err != nil {
		ratio = 1.0
	}
	add("slow_query.enable", getBool(c.Object, base+".enabled", true), base+".enabled")
	add("slow_query.record_type", str("recordType", "system_table"), base+".recordType")
	add("slow_query.threshold", str("threshold", "30s"), base+".threshold")
	add("slow_query.sample_ratio", ratio, base+".sampleRatio")
	add("slow_query.ttl", str("ttl", "90d"), base+".ttl")
}

func (c *Cluster) genTracing(comp Component, add func(string, any, string)) {
	base := comp.Path + ".tracing"
	if !c.isSet(base) {
		base = "spec.tracing"
	}
	if !getBool(c.Object, base+".enabled", false) {
		return
	}
	add("logging.enable_otlp_tracing", true, base+".enabled")
	add("logging.otlp_endpoint", c.str(base+".endpoint"), base+".endpoint")
	ratio, err := strconv.ParseFloat(c.str(base+".sampleRatio"), 64)
	if err != nil {
		ratio = 1.0
	}
	add("logging.tracing_sample_ratio.default_ratio", ratio, base+".sampleRatio")
}

// ServiceAddr is where comp's HTTP server is reached inside the cluster:
// the Service the operator makes for it (named as its ConfigMap; headless
// for datanodes, so one of its pods answers) at the component's HTTP port.
// The node checks use it, since http.addr is the pod's listen address.
func (c *Cluster) ServiceAddr(comp Component) string {
	ns := c.Namespace
	if ns == "" {
		ns = "default"
	}
	return fmt.Sprintf("%s.%s.svc:%d", comp.ConfigMapName(c.Name), ns, getInt(c.Object, comp.Path+".httpPort", 4000))
}

// runtimeKeys lists what comp gets from its container args and, for
// datanodes and flownodes, from the initializer, which merges node_id and
// the gRPC addresses with ConfigMergeStrategyOperatorFirst. Pod IPs are not
// known before the pods run; the pod's DNS name stands in for them.
func (c *Cluster) runtimeKeys(comp Component) []runtimeKey {
	ns := c.Namespace
	if ns == "" {
		ns = "default"
	}
	port := func(field string, def int64) int64 { return getInt(c.Object, comp.Path+"."+field, def) }
	name := comp.ConfigMapName(c.Name)
	pod := fmt.Sprintf("%s-0.%s.%s", name, name, ns)
	metaAddr := fmt.Sprintf("%s-meta.%s:%d", c.Name, ns, getInt(c.Object, "spec.meta.rpcPort", 3002))
	rpc := int64(4001)
	if comp.Role == "meta" {
		rpc = 3002
	}
	rpc = port("rpcPort", rpc)
	var out []runtimeKey
	add := func(key string, v any, by string) { out = append(out, runtimeKey{key, v, by}) }
	bind := func(p int64) string { return fmt.Sprintf("0.0.0.0:%d", p) }
	switch comp.Role {
	case "meta":
		add("grpc.bind_addr", bind(rpc), "--rpc-bind-addr")
		add("grpc.server_addr", fmt.Sprintf("%s:%d", pod, rpc), "--rpc-server-addr")
	case "datanode", "flownode":
		// The first pod's id: ordinal 0, the group's index in the high 32
		// bits (allocateNodeID), plus startNodeID.
		id := getInt(c.Object, comp.Path+".startNodeID", 0)
		if comp.Role == "datanode" && comp.Index >= 0 {
			id += int64(comp.Index) << 32
		}
		add("node_id", id, "the initializer")
		add("grpc.bind_addr", bind(rpc), "the initializer")
		add("grpc.server_addr", fmt.Sprintf("%s:%d", pod, rpc), "the initializer")
		add("meta_client.metasrv_addrs", []any{metaAddr}, "--metasrv-addrs")
	case "frontend":
		add("grpc.bind_addr", bind(rpc), "--rpc-bind-addr")
		add("grpc.server_addr", fmt.Sprintf("%s:%d", pod, rpc), "--rpc-server-addr")
		add("meta_client.metasrv_addrs", []any{metaAddr}, "--metasrv-addrs")
		add("mysql.addr", bind(port("mysqlPort", 4002)), "--mysql-addr")
		add("postgres.addr", bind(port("postgreSQLPort", 4003)), "--postgres-addr")
		internal := port("internalPort", 4010)
		add("internal_grpc.bind_addr", bind(internal), "--internal-rpc-bind-addr")
		add("internal_grpc.server_addr", fmt.Sprintf("%s:%d", pod, internal), "--internal-rpc-server-addr")
	}
	add("http.addr", bind(port("httpPort", 4000)), "--http-addr")
	return out
}

// podEnv returns the plain-valued environment variables the pod templates
// give the component's main container (base first, the component's own
// template winning), and the field of each.
func (c *Cluster) podEnv(comp Component) ([]string, map[string]string) {
	vals := map[string]string{}
	from := map[string]string{}
	for _, base := range []string{"spec.base.main.env", comp.Path + ".template.main.env"} {
		v, _ := c.at(base)
		list, _ := v.([]any)
		for i, e := range list {
			name := getString(e, "name")
			if name == "" {
				continue
			}
			if _, ok := get(e, "value"); !ok {
				continue // valueFrom: not known before the pod runs
			}
			vals[name] = getString(e, "value")
			from[name] = fmt.Sprintf("%s[%d]", base, i)
		}
	}
	names := make([]string, 0, len(vals))
	for n := range vals {
		names = append(names, n)
	}
	sort.Strings(names)
	env := make([]string, 0, len(names))
	for _, n := range names {
		env = append(env, n+"="+vals[n])
	}
	return env, from
}

// Configs builds every component's merged config.
func (c *Cluster) Configs() ([]*Config, error) {
	var out []*Config
	for _, comp := range c.Components() {
		cfg, err := c.buildConfig(comp)
		if err != nil {
			return nil, err
		}
		out = append(out, cfg)
	}
	return out, nil
}

// configPath is the name the component's user config has in reports.
func (c *Cluster) configPath(comp Component) string {
	return c.Source + " (" + c.fieldName(comp.Path+".config") + ")"
}

// buildConfig merges the user config of comp with the generated and runtime
// keys, as pkg/dbconfig.Marshal and the initializer do.
func (c *Cluster) buildConfig(comp Component) (*Config, error) {
	cfg := &Config{Component: comp, cluster: c, gen: map[string]genKey{}, runtime: map[string]runtimeKey{}}
	tree := map[string]any{}
	if s, ok := c.at(comp.Path + ".config"); ok && s != nil && fmt.Sprint(s) != "" {
		text, _ := s.(string)
		u, err := configs.Load(c.configPath(comp), []byte(text), comp.Kind)
		if err != nil {
			return nil, fmt.Errorf("could not read %s: %w", c.fieldName(comp.Path+".config"), err)
		}
		cfg.User = u
		if u.Parsed() {
			tree = deepCopy(u.Tree()).(map[string]any)
		}
	}
	userHas := func(k string) bool { return cfg.User != nil && cfg.User.Has(k) }
	injectedFirst := c.MergeStrategy() != OperatorFirst
	for _, g := range c.generated(comp) {
		if userHas(g.key) {
			if injectedFirst {
				// The user's key wins. Over a default that is how the
				// config is meant to be used; over a field the resource
				// writes, one of the two is silently ignored.
				if g.explicit {
					cfg.shadowed = append(cfg.shadowed, shadow{key: g.key, from: g.from, userWn: true})
				}
				continue
			}
			cfg.shadowed = append(cfg.shadowed, shadow{key: g.key, from: g.from})
		}
		setKey(tree, g.key, g.value)
		cfg.gen[g.key] = g
	}
	for _, r := range c.runtimeKeys(comp) {
		if userHas(r.key) {
			cfg.shadowed = append(cfg.shadowed, shadow{key: r.key, by: r.by})
		}
		setKey(tree, r.key, r.value)
		cfg.runtime[r.key] = r
	}
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(tree); err != nil {
		return nil, fmt.Errorf("could not merge the %s config: %w", comp.Label(), err)
	}
	f, err := configs.Load(c.configPath(comp), buf.Bytes(), comp.Kind)
	if err != nil {
		return nil, fmt.Errorf("could not merge the %s config: %w", comp.Label(), err)
	}
	cfg.File = f
	cfg.Env, cfg.envFrom = c.podEnv(comp)
	configs.ApplyEnv(f, cfg.Env, "")
	return cfg, nil
}

// UseConfigMap replaces the merged config with the operator's own output,
// read from the generated ConfigMap, plus the runtime keys: what the pods
// actually run with. Positions still map through the resource by key.
func (cfg *Config) UseConfigMap(data string) error {
	var tree map[string]any
	if _, err := toml.Decode(data, &tree); err != nil {
		return fmt.Errorf("could not parse ConfigMap %s: %w", cfg.Component.ConfigMapName(cfg.cluster.Name), err)
	}
	for _, r := range cfg.cluster.runtimeKeys(cfg.Component) {
		setKey(tree, r.key, r.value)
	}
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(tree); err != nil {
		return err
	}
	f, err := configs.Load(cfg.File.Path, buf.Bytes(), cfg.Component.Kind)
	if err != nil {
		return err
	}
	f.Version = cfg.File.Version // the same pods, the same release
	configs.ApplyEnv(f, cfg.Env, "")
	cfg.File, cfg.fromCM = f, true
	return nil
}

// setKey sets a dotted key in a tree, creating tables on the way, as
// go-toml's Tree.Set does for the operator.
func setKey(tree map[string]any, key string, v any) {
	parts := configs.SplitKey(key)
	cur := tree
	for _, p := range parts[:len(parts)-1] {
		next, ok := cur[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			cur[p] = next
		}
		cur = next
	}
	cur[parts[len(parts)-1]] = v
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []map[string]any:
		l := make([]map[string]any, len(x))
		for i, e := range x {
			l[i] = deepCopy(e).(map[string]any)
		}
		return l
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// keyOrigin says where a key of the merged config came from.
func (cfg *Config) keyOrigin(key string) (kind string, k string) {
	for k := key; k != ""; k = parentKey(k) {
		if _, ok := cfg.runtime[k]; ok {
			return "runtime", k
		}
		if _, ok := cfg.gen[k]; ok {
			return "generated", k
		}
		if cfg.User != nil {
			if _, ok := cfg.User.Index().Get(k); ok {
				return "user", k
			}
		}
		if cfg.File.Env != nil {
			if _, ok := cfg.File.Env.Values[k]; ok {
				return "env", k
			}
			if _, ok := cfg.File.Env.Shadowed[k]; ok && cfg.User == nil {
				return "env", k
			}
		}
	}
	return "", ""
}

func parentKey(key string) string {
	if strings.HasSuffix(key, "]") {
		if i := strings.LastIndexByte(key, '['); i > 0 {
			return key[:i]
		}
	}
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		return key[:i]
	}
	return ""
}

// componentPos is where a finding about the component as a whole goes: its
// config when written, else the component's own field.
func (cfg *Config) componentPos() report.Position {
	loc := cfg.cluster.loc
	if loc.Has(cfg.Component.Path + ".config") {
		return loc.Field(cfg.Component.Path + ".config")
	}
	return loc.Field(cfg.Component.Path)
}

// userPos maps a position in the user's config to the manifest.
func (cfg *Config) userPos(p report.Position) report.Position {
	return cfg.cluster.loc.Block(cfg.Component.Path+".config", p)
}

// remapPos moves a position in the merged config (about key) to the line of
// the manifest that set the key. value says the position was at the value,
// not the key.
func (cfg *Config) remapPos(key string, pos report.Position) (report.Position, int, int) {
	kind, k := cfg.keyOrigin(key)
	loc := cfg.cluster.loc
	switch kind {
	case "user":
		e, _ := cfg.User.Index().Get(k)
		at := e.KeyPos()
		endLine, endCol := 0, 0
		if k == key && !e.Header {
			if me, ok := cfg.File.Index().Get(k); ok && !cfg.fromCM && pos == me.ValuePos() {
				at = e.ValuePos()
			}
			end := cfg.userPos(e.ValueEnd())
			if end.Col > 0 {
				endLine, endCol = end.Line, end.Col
			}
		}
		return cfg.userPos(at), endLine, endCol
	case "generated":
		return loc.Field(cfg.gen[k].from), 0, 0
	case "env":
		for name, from := range cfg.envFrom {
			if configs.EnvKey(strings.TrimPrefix(strings.ToLower(name), strings.ToLower(cfg.File.Env.Prefix)+"__")) == k {
				return loc.Field(from), 0, 0
			}
		}
	}
	return cfg.componentPos(), 0, 0
}

// Remap moves a finding about the merged config onto the manifest.
func (cfg *Config) Remap(f report.Finding) report.Finding {
	if f.Rule == "toml-syntax" || f.Rule == "duplicate-key" {
		if f.Pos.Line > 0 && cfg.User != nil {
			f.Pos = cfg.userPos(f.Pos)
			f.EndLine, f.EndCol = 0, 0
			return f
		}
	}
	f.Pos, f.EndLine, f.EndCol = cfg.remapPos(f.Key, f.Pos)
	// A block moved into the manifest can put the end before the start.
	f.SetRange(f.Range().Normalize())
	return f
}

// RemapProbe moves a probe result's position onto the manifest.
func (cfg *Config) RemapProbe(p report.ProbeResult) report.ProbeResult {
	if p.Key != "" || p.Pos.File != "" {
		p.Pos, _, _ = cfg.remapPos(p.Key, p.Pos)
	}
	return p
}

// Values lists the effective values of the merged config, each with where
// it came from: a line of the manifest's config, a resource field, a
// command-line flag or the initializer, or the pod's environment.
func (cfg *Config) Values() report.Values {
	vals := configs.EffectiveValues(cfg.File).All()
	for i, v := range vals {
		if v.Origin == "default" {
			continue
		}
		kind, k := cfg.keyOrigin(v.Key)
		pos, _, _ := cfg.remapPos(v.Key, report.Position{})
		switch kind {
		case "user":
			vals[i].Origin = pos.String()
		case "generated":
			g := cfg.gen[k]
			vals[i].Origin = cfg.cluster.fieldName(g.from) + ", " + pos.String()
			if !g.explicit {
				vals[i].Origin = "operator default for " + cfg.cluster.fieldName(g.from)
			}
		case "runtime":
			vals[i].Origin = cfg.runtime[k].by
		case "env":
			vals[i].Origin = v.Origin + ", " + pos.String()
		}
	}
	return report.NewValues(vals)
}
