package configs

// Backend is one storage backend GreptimeDB can keep its data in: one row
// of the one table that rules, probes and the Kubernetes merge read. A new
// backend is a row here plus a file in probe/ (and its schema keys).
type Backend struct {
	// Type is the storage.type value in TOML ("S3").
	Type string
	// Kind is the probe kind that checks it live ("s3"), see probe.Registry.
	Kind string
	// Operator is the GreptimeDBCluster spec.objectStorage field ("s3");
	// "" when the operator has no such provider.
	Operator string
	// Container is the field that names where the data goes (bucket,
	// container, data_home).
	Container string
	// Required are the fields that must be set for GreptimeDB to start. A
	// group of alternatives is written "a+b|c": a and b together, or c.
	Required []string
	// Secrets are the fields that hold credentials, redacted from every
	// message about the backend.
	Secrets []string
	// OperatorSecrets are the keys of the operator's Secret for it.
	OperatorSecrets []string
	// WrongField maps a field written for another type to the one this
	// type reads, where there is an obvious counterpart.
	WrongField map[string]string
}

// DefaultStorageType is storage.type when the config does not set it.
const DefaultStorageType = "File"

// Backends lists the storage backends, File first (the default), the
// object stores in the order the operator tries them. Every
// object store field is optional in GreptimeDB's config structs (all are
// #[serde(default)]), so a missing bucket only shows when the datanode
// starts and OpenDAL refuses to build the backend: Required says which
// (SCHEMA.md sections 2 and 8).
var Backends = []Backend{
	{Type: "File", Kind: "file", Container: "data_home"},
	{
		Type: "S3", Kind: "s3", Operator: "s3", Container: "bucket",
		Required:        []string{"bucket", "region"},
		Secrets:         []string{"secret_access_key"},
		OperatorSecrets: []string{"access-key-id", "secret-access-key"},
		WrongField:      map[string]string{"access_key_secret": "secret_access_key", "container": "bucket"},
	},
	{
		Type: "Oss", Kind: "oss", Operator: "oss", Container: "bucket",
		Required:        []string{"bucket", "endpoint"},
		Secrets:         []string{"access_key_secret"},
		OperatorSecrets: []string{"access-key-id", "access-key-secret"},
		WrongField:      map[string]string{"secret_access_key": "access_key_secret", "region": "endpoint"},
	},
	{
		Type: "Gcs", Kind: "gcs", Operator: "gcs", Container: "bucket",
		Required:        []string{"bucket"},
		Secrets:         []string{"credential"},
		OperatorSecrets: []string{"service-account-key"},
		WrongField:      map[string]string{"region": "endpoint", "container": "bucket"},
	},
	{
		Type: "Azblob", Kind: "azblob", Operator: "azblob", Container: "container",
		Required:        []string{"container", "endpoint", "account_name+account_key|sas_token"},
		Secrets:         []string{"account_key", "sas_token"},
		OperatorSecrets: []string{"account-name", "account-key"},
		WrongField:      map[string]string{"bucket": "container", "access_key_id": "account_name", "secret_access_key": "account_key", "region": "endpoint"},
	},
}

// BackendFor returns the backend of a storage.type value.
func BackendFor(typ string) (Backend, bool) {
	for _, b := range Backends {
		if b.Type == typ {
			return b, true
		}
	}
	return Backend{}, false
}

// BackendForOperator returns the backend of a spec.objectStorage field.
func BackendForOperator(name string) (Backend, bool) {
	for _, b := range Backends {
		if b.Operator != "" && b.Operator == name {
			return b, true
		}
	}
	return Backend{}, false
}

// StorageSecretKeys lists every storage field that holds a credential, of
// any backend.
func StorageSecretKeys() []string {
	var out []string
	for _, b := range Backends {
		out = append(out, b.Secrets...)
	}
	return out
}

// OperatorProviders lists the spec.objectStorage fields in the order the
// operator (and the Helm chart) tries them.
func OperatorProviders() []string {
	var out []string
	for _, b := range Backends {
		if b.Operator != "" {
			out = append(out, b.Operator)
		}
	}
	return out
}
