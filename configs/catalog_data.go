package configs

// The catalog's data: one text block per option struct of GreptimeDB, as the
// Rust code at the commit SCHEMA.md names reads it. catalog.go parses the
// blocks once (see parseBlock for the line format) and composes them per
// component. Defaults are the code's, which sometimes differ from
// config.md; "auto" values that depend on the machine are left out.
//
// Struct locations are given per block so the next update knows where to
// look; paths are in GreptimeTeam/greptimedb.

// blockRuntime is RuntimeOptions (src/common/runtime/src/global.rs), read by
// every component through GreptimeOptions. All sizes default to the CPU count.
const blockRuntime = `
runtime                                 table doc="global runtime thread pools (every component)"
runtime.global_rt_size                  int   doc="threads of the global runtime (default: CPU count)"
runtime.compact_rt_size                 int   doc="threads for compaction (default: half the CPUs, at least 2)"
runtime.compact_rt_max_blocking_threads int   doc="blocking threads for compaction"
runtime.query_rt_size                   int   doc="threads for datanode queries"
runtime.ingest_rt_size                  int   doc="threads for datanode ingestion"
`

// blockPlugins is the [[plugins]] wrapper (src/cmd/src/options.rs). Its
// contents belong to plugins, so it is KindAny: nothing below is checked.
const blockPlugins = `
plugins any doc="plugin options; since v1.2.0-beta.1 unknown plugins are dropped with a warning, older releases refuse to start"
`

// blockHTTP is HttpOptions (src/servers/src/http.rs).
const blockHTTP = `
http                                            table
http.addr                                       addr          default=127.0.0.1:4000 doc="HTTP listen address; every component defaults to port 4000"
http.timeout                                    duration      default=0s doc="request timeout; 0s means none"
http.body_limit                                 size          default=64MB doc="request body limit; 0 means none"
http.enable_cors                                bool          default=true
http.cors_allowed_origins                       array:string
http.experimental_enable_explain_analyze_stream bool          default=true
http.enable_api_server                          bool          default=false doc="start the separate public API server on api_server_addr"
http.api_server_addr                            addr          default=127.0.0.1:4006
`

// blockGRPC is GrpcOptions (src/servers/src/grpc.rs); "{p}" is grpc or
// internal_grpc. bind_addr's default is set per component.
const blockGRPC = `
{p}                           table
{p}.bind_addr                 addr     doc="gRPC listen address"
{p}.server_addr               addr     doc="address advertised to metasrv and peers; empty: first NIC's IP with the bind port; a host without a port takes the bind port"
{p}.max_recv_message_size     size     default=512MB
{p}.max_send_message_size     size     default=512MB
{p}.flight_compression        enum:none|transport|arrow_ipc|all default=arrow_ipc
{p}.runtime_size              int      default=8
{p}.max_connection_age        duration doc="unset: connections live forever"
{p}.http2_keep_alive_interval duration default=10s
{p}.http2_keep_alive_timeout  duration default=3s
`

// blockServerTLS is TlsOption (src/servers/src/tls.rs) for servers; "{p}" is
// the table holding it. TOML takes the snake_case names; "verify-ca" is
// the CLI spelling and fails in a file.
const blockServerTLS = `
{p}              table
{p}.mode         enum:disable|prefer|require|verify_ca|verify_full default=disable doc="any mode but disable makes the server load cert_path and key_path at start"
{p}.cert_path    string
{p}.key_path     string
{p}.ca_cert_path string
{p}.watch        bool default=false doc="reload the certificate and key when the files change"
`

// blockMetaClient is MetaClientOptions (src/meta-client/src/lib.rs).
const blockMetaClient = `
meta_client                             table    doc="how this node reaches metasrv (required outside standalone)"
meta_client.metasrv_addrs               array:addr default=["127.0.0.1:3002"]
meta_client.timeout                     duration default=3s
meta_client.ddl_timeout                 duration default=10s
meta_client.connect_timeout             duration default=1s
meta_client.tcp_nodelay                 bool     default=true
meta_client.metadata_cache_max_capacity int      default=100000
meta_client.metadata_cache_ttl          duration default=10m
meta_client.metadata_cache_tti          duration default=5m
`

// blockLogging is LoggingOptions and TracingSampleOptions
// (src/common/telemetry/src/logging.rs, tracing_sampler.rs), plus
// TracingOptions, whose only key exists with the tokio-console feature.
const blockLogging = `
logging                                      table
logging.dir                                  string  doc="log directory; empty: <data_home>/logs"
logging.level                                string  doc="a tracing filter such as info or info,greptime=debug"
logging.log_format                           enum:text|json| default=text doc="an empty string means text"
logging.max_log_files                        int     default=720
logging.append_stdout                        bool    default=true
logging.enable_file_logging                  bool    default=true
logging.enable_otlp_tracing                  bool    default=false
logging.otlp_endpoint                        string
logging.otlp_export_protocol                 enum:grpc|http
logging.otlp_headers                         map     doc="extra HTTP headers for the OTLP exporter; any keys"
logging.enable_per_region_metrics            bool    default=false
logging.tracing_sample_ratio                 table
logging.tracing_sample_ratio.default_ratio   float   default=1.0
logging.tracing_sample_ratio.rules           arraytable
logging.tracing_sample_ratio.rules[].protocol      string
logging.tracing_sample_ratio.rules[].request_types array:string
logging.tracing_sample_ratio.rules[].ratio         float
tracing                                      table
tracing.tokio_console_addr                   string  doc="only with the tokio-console feature; the --tokio-console-addr flag always replaces it"
`

// blockMemory is MemoryOptions (src/common/options/src/memory.rs).
const blockMemory = `
memory                       table
memory.enable_heap_profiling bool default=true
`

// blockQuery is QueryOptions (src/query/src/options.rs). The code's default
// for memory_pool_size is unlimited; the example files write "50%".
const blockQuery = `
query                      table
query.parallelism          int default=0 doc="0: number of CPU cores"
query.allow_query_fallback bool default=false
query.memory_pool_size     memlimit default=unlimited doc="memory for query operators: unlimited, N% of system memory or a size"
`

// blockDatanodeClient is DatanodeClientOptions
// (src/common/options/src/datanode.rs).
const blockDatanodeClient = `
datanode                              table
datanode.client                       table
datanode.client.timeout               duration default=10s
datanode.client.connect_timeout       duration default=1s
datanode.client.tcp_nodelay           bool     default=true
datanode.client.max_recv_message_size size     default=512MB
datanode.client.max_send_message_size size     default=512MB
`

// blockSlowQuery is SlowQueryOptions (src/common/telemetry/src/logging.rs).
const blockSlowQuery = `
slow_query              table
slow_query.enable       bool     default=true
slow_query.record_type  enum:system_table|log| default=system_table doc="an empty string means system_table"
slow_query.threshold    duration default=30s
slow_query.sample_ratio float    default=1.0
slow_query.ttl          duration default=90d
`

// blockEventRecorder is EventRecorderOptions
// (src/common/event-recorder/src/recorder.rs).
const blockEventRecorder = `
event_recorder             table
event_recorder.ttl         duration default=90d
event_recorder.event_types array:string envlist doc="event types to keep; unset keeps all, [] keeps none"
`

// blockProcedure is ProcedureConfig (src/common/procedure/src/options.rs);
// metasrv overrides two defaults.
const blockProcedure = `
procedure                         table
procedure.max_retry_times         int      default=3
procedure.retry_delay             duration default=500ms
procedure.max_metadata_value_size size     doc="unset: no limit"
procedure.max_running_procedures  int      default=128
`

// blockFrontendServices is the protocol servers of FrontendOptions
// (src/frontend/src/service_config/*.rs), shared with standalone. [otlp]
// is separate because standalone does not read it.
const blockFrontendServices = `
mysql                            table
mysql.enable                     bool     default=true
mysql.addr                       addr     default=127.0.0.1:4002
mysql.runtime_size               int      default=2
mysql.reject_no_database         bool
mysql.keep_alive                 duration default=0s
mysql.prepared_stmt_cache_size   int      default=10000
postgres                         table
postgres.enable                  bool     default=true
postgres.addr                    addr     default=127.0.0.1:4003
postgres.runtime_size            int      default=2
postgres.keep_alive              duration default=0s
opentsdb                         table
opentsdb.enable                  bool     default=true
influxdb                         table
influxdb.enable                  bool     default=true
influxdb.default_merge_mode      enum:last_non_null|last_row default=last_non_null
jaeger                           table
jaeger.enable                    bool     default=true
prom_store                       table
prom_store.enable                bool     default=true
prom_store.with_metric_engine    bool     default=true
prom_store.prom_validation_mode  enum:strict|lossy|unchecked default=strict
prom_store.experimental_enable_prometheus_native_histogram bool default=false
prom_store.pending_rows_flush_interval duration default=0s doc="0s disables batching of remote-write rows"
prom_store.max_batch_rows        int      default=100000
prom_store.max_concurrent_flushes int     default=256
prom_store.worker_channel_capacity int    default=65526
prom_store.max_inflight_requests int      default=3000
prom_store.flow_notification_queue_capacity int default=1024 doc="must not be 0"
`

const blockOTLP = `
otlp                         table
otlp.enable                  bool default=true
otlp.trace_ingest_chunk_size int  default=512
`

// blockFrontendTop is the top level shared by frontend and standalone.
const blockFrontendTop = `
default_timezone             string
default_column_prefix        string
auto_create_table            bool   default=true
user_provider                string doc="static_user_provider:file:<path> or static_user_provider:cmd:<user>=<password>"
max_in_flight_write_bytes    size   default=0 doc="limit on write bodies in flight; 0 means none"
write_bytes_exhausted_policy policy default=wait
heartbeat_env_vars           array:string envlist
`

// blockFlow is FlowConfig and BatchingModeOptions (src/flow/src/adapter.rs,
// src/flow/src/batching_mode.rs); the frontend TLS is ClientTlsOption.
const blockFlow = `
flow                                                   table
flow.num_workers                                       int doc="0 or unset: half the CPU cores"
flow.batching_mode                                     table
flow.batching_mode.query_timeout                       duration default=10m
flow.batching_mode.slow_query_threshold                duration default=60s
flow.batching_mode.experimental_min_refresh_duration   duration default=5s
flow.batching_mode.grpc_conn_timeout                   duration default=5s
flow.batching_mode.experimental_grpc_max_retries       int default=3
flow.batching_mode.experimental_frontend_scan_timeout  duration default=30s
flow.batching_mode.experimental_max_filter_num_per_query int default=20
flow.batching_mode.experimental_time_window_merge_threshold int default=3
flow.batching_mode.experimental_enable_incremental_read bool default=false
flow.batching_mode.read_preference                     enum:Leader default=Leader
flow.batching_mode.frontend_tls                        table
flow.batching_mode.frontend_tls.enabled                bool default=false
flow.batching_mode.frontend_tls.server_ca_cert_path    string
flow.batching_mode.frontend_tls.client_cert_path       string
flow.batching_mode.frontend_tls.client_key_path        string
flow.batching_mode.frontend_tls.watch                  bool default=false
`

// blockKafkaConnection is KafkaConnectionConfig and KafkaTopicConfig
// (src/common/wal/src/config/kafka/common.rs), flattened into [wal] for
// every component that has a Kafka WAL.
const blockKafkaConnection = `
wal.broker_endpoints      array:addr default=["127.0.0.1:9092"] wal=kafka envlist
wal.connect_timeout       duration default=3s wal=kafka
wal.timeout               duration default=3s wal=kafka
wal.sasl                  table wal=kafka doc="Kafka SASL; type, username and password are all required"
wal.sasl.type             enum:PLAIN|SCRAM-SHA-256|SCRAM-SHA-512 wal=kafka
wal.sasl.username         string wal=kafka
wal.sasl.password         string wal=kafka secret
wal.tls                   table wal=kafka doc="Kafka TLS; system roots are used besides server_ca_cert_path"
wal.tls.server_ca_cert_path string wal=kafka
wal.tls.client_cert_path  string wal=kafka
wal.tls.client_key_path   string wal=kafka
wal.num_topics            int default=64 wal=kafka
wal.num_partitions        int default=1 wal=kafka
wal.selector_type         enum:round_robin default=round_robin wal=kafka
wal.replication_factor    int default=1 wal=kafka
wal.create_topic_timeout  duration default=30s wal=kafka
wal.topic_name_prefix     string default=greptimedb_wal_topic wal=kafka doc="letters, digits and _:-.@# only, not starting with a digit, dot, @ or #"
wal.auto_create_topics    bool default=true wal=kafka
`

// blockMetasrvWAL is MetasrvWalConfig (src/common/wal/src/config.rs,
// kafka/metasrv.rs): the Kafka variant adds pruning and flush triggers.
const blockMetasrvWAL = `
wal                                      table
wal.provider                             enum:raft_engine|kafka default=raft_engine doc="must be kafka when the datanodes use a Kafka WAL"
wal.auto_prune_interval                  duration default=30m wal=kafka doc="0s disables active pruning"
wal.auto_prune_logical_delete            bool default=false wal=kafka
wal.auto_prune_parallelism               int default=10 wal=kafka
wal.flush_trigger_size                   size default=512MB wal=kafka
wal.checkpoint_trigger_size              size default=128MB wal=kafka
wal.region_flush_trigger_interval        duration default=60s wal=kafka doc="new in v1.2.0-beta.1; not in the example file"
wal.periodic_checkpoint_persist_interval duration default=1h wal=kafka doc="new in v1.2.0-beta.1; not in the example file"
`

// blockDatanodeWAL is DatanodeWalConfig: RaftEngineConfig
// (config/raft_engine.rs) or DatanodeKafkaConfig (config/kafka/datanode.rs),
// or noop, which keeps no WAL at all.
const blockDatanodeWAL = `
wal                          table
wal.provider                 enum:raft_engine|kafka|noop default=raft_engine doc="noop loses unflushed data on a crash"
wal.dir                      string wal=raft_engine doc="unset: <data_home>/wal"
wal.file_size                size default=128MB wal=raft_engine
wal.purge_threshold          size default=1GB wal=raft_engine
wal.purge_interval           duration default=1m wal=raft_engine
wal.read_batch_size          int default=128 wal=raft_engine
wal.sync_write               bool default=false wal=raft_engine
wal.enable_log_recycle       bool default=true wal=raft_engine
wal.prefill_log_files        bool default=false wal=raft_engine
wal.sync_period              duration wal=raft_engine
wal.recovery_parallelism     int wal=raft_engine doc="default: CPU count"
wal.max_batch_bytes          size default=1MB wal=kafka doc="Kafka's default message limit is 1MB"
wal.max_batch_size           size wal=kafka deprecated="use wal.max_batch_bytes"
wal.consumer_wait_timeout    duration default=100ms wal=kafka
wal.create_index             bool default=false wal=kafka
wal.dump_index_interval      duration default=60s wal=kafka
wal.topic_latest_offset_fetch_interval duration default=60s wal=kafka doc="new in v1.2.0-beta.1; not in the example file"
wal.overwrite_entry_start_id bool default=false wal=kafka doc="skip missing entries on replay; may lose data"
`

// blockObjectStore is ObjectStoreConfig (src/object-store/src/config.rs):
// a serde enum tagged by "type" whose variants have their own fields. "{p}"
// is storage or storage.providers[]. The Mysql variant needs the
// non-default mysql-object-store feature and is left out.
const blockObjectStore = `
{p}.type                      enum:File|S3|Oss|Azblob|Gcs default=File doc="case-sensitive: s3 or file fail to start"
{p}.name                      string storage=S3,Oss,Azblob,Gcs doc="label that tables use to pick a provider"
{p}.bucket                    string storage=S3,Oss,Gcs
{p}.container                 string storage=Azblob
{p}.root                      string storage=S3,Oss,Azblob,Gcs doc="prefix inside the bucket or container"
{p}.access_key_id             string storage=S3,Oss doc="empty on S3: credentials come from the environment, profile or instance metadata"
{p}.secret_access_key         string storage=S3 secret
{p}.access_key_secret         string storage=Oss secret
{p}.account_name              string storage=Azblob
{p}.account_key               string storage=Azblob secret
{p}.sas_token                 string storage=Azblob secret
{p}.scope                     string storage=Gcs
{p}.credential_path           string storage=Gcs
{p}.credential                string storage=Gcs secret doc="base64 of the service-account JSON"
{p}.endpoint                  string storage=S3,Oss,Azblob,Gcs
{p}.region                    string storage=S3 doc="S3 only; without it (or AWS_REGION) the server fails at start"
{p}.enable_virtual_host_style bool default=false storage=S3
{p}.disable_ec2_metadata      bool default=false storage=S3
{p}.enable_read_cache         bool default=true storage=S3,Oss,Azblob,Gcs
{p}.cache_path                string storage=S3,Oss,Azblob,Gcs doc="empty: storage.data_home"
{p}.cache_capacity            size default=5GiB storage=S3,Oss,Azblob,Gcs
{p}.http_client               table storage=S3,Oss,Azblob,Gcs
{p}.http_client.pool_max_idle_per_host int default=1024 storage=S3,Oss,Azblob,Gcs
{p}.http_client.connect_timeout duration default=30s storage=S3,Oss,Azblob,Gcs
{p}.http_client.timeout       duration default=30s storage=S3,Oss,Azblob,Gcs
{p}.http_client.pool_idle_timeout duration default=90s storage=S3,Oss,Azblob,Gcs
{p}.http_client.skip_ssl_validation bool default=false storage=S3,Oss,Azblob,Gcs
`

// blockStorage is StorageConfig (src/datanode/src/config.rs).
const blockStorage = `
storage           table
storage.data_home string default=./greptimedb_data doc="the datanode's working directory (there is no top-level data_home)"
storage.copy_root string doc="standalone only: root for COPY of local files; default <data_home>/copy"
storage.providers arraytable doc="extra object stores; each needs a type"
`

// blockRegionEngine is RegionEngineConfig with MitoConfig
// (src/mito2/src/config.rs, gc.rs), the file engine (no options) and the
// metric engine (src/metric-engine/src/config.rs).
const blockRegionEngine = `
region_engine                                        arraytable doc="one [[region_engine]] per engine: mito, file or metric"
region_engine[].file                                 table doc="the file engine has no options"
region_engine[].metric                               table
region_engine[].metric.flush_metadata_region_interval duration default=30s
region_engine[].mito                                 table
region_engine[].mito.num_workers                     int doc="0 or unset: half the CPU cores"
region_engine[].mito.worker_channel_size             int default=128
region_engine[].mito.worker_request_batch_size       int default=64
region_engine[].mito.manifest_checkpoint_distance    int default=10
region_engine[].mito.experimental_manifest_keep_removed_file_count int default=256
region_engine[].mito.experimental_manifest_keep_removed_file_ttl duration default=1h
region_engine[].mito.compress_manifest               bool default=false
region_engine[].mito.max_background_index_builds     int doc="default: an eighth of the CPU cores"
region_engine[].mito.max_background_flushes          int doc="default: half the CPU cores"
region_engine[].mito.max_background_compactions      int doc="default: a quarter of the CPU cores"
region_engine[].mito.max_background_purges           int doc="default: CPU count"
region_engine[].mito.experimental_compaction_memory_limit memlimit default=unlimited
region_engine[].mito.experimental_compaction_on_exhausted policy default=wait
region_engine[].mito.auto_flush_interval             duration default=30m
region_engine[].mito.global_write_buffer_size        size doc="default: an eighth of memory, at most 1GB"
region_engine[].mito.global_write_buffer_reject_size size doc="default: twice global_write_buffer_size"
region_engine[].mito.default_region_write_buffer_size size default=0
region_engine[].mito.sst_meta_cache_size             size doc="default: an eighth of memory, at most 512MB; 0 disables"
region_engine[].mito.vector_cache_size               size doc="default: a sixteenth of memory, at most 512MB; 0 disables"
region_engine[].mito.page_cache_size                 size doc="default: an eighth of memory; 0 disables"
region_engine[].mito.selector_result_cache_size      size doc="default: a sixteenth of memory, at most 512MB; 0 disables"
region_engine[].mito.range_result_cache_size         size doc="default: a sixteenth of memory, at most 512MB; 0 disables"
region_engine[].mito.prefilter_result_cache_size     size doc="default: a 32nd of memory, at most 128MB; 0 disables"
region_engine[].mito.enable_write_cache              bool default=false
region_engine[].mito.write_cache_path                string doc="empty: storage.data_home"
region_engine[].mito.write_cache_size                size default=5GiB
region_engine[].mito.write_cache_ttl                 duration
region_engine[].mito.preload_index_cache             bool default=true
region_engine[].mito.index_cache_percent             int default=20 doc="1 to 99; other values fall back to 20"
region_engine[].mito.enable_refill_cache_on_read     bool default=true
region_engine[].mito.manifest_cache_size             size default=256MB
region_engine[].mito.sst_write_buffer_size           size default=8MB doc="raised to 5MB when smaller"
region_engine[].mito.max_concurrent_scan_files       int default=384
region_engine[].mito.allow_stale_entries             bool default=false
region_engine[].mito.scan_memory_limit               memlimit default=unlimited
region_engine[].mito.scan_memory_on_exhausted        policy default=fail
region_engine[].mito.min_compaction_interval         duration default=0s
region_engine[].mito.schedule_compaction_after_edit  bool default=true
region_engine[].mito.default_flat_format             bool default=true
region_engine[].mito.experimental_series_scan_v2     bool default=true
region_engine[].mito.index                           table
region_engine[].mito.index.aux_path                  string doc="empty: <data_home>/index_intermediate"
region_engine[].mito.index.staging_size              size default=2GB
region_engine[].mito.index.staging_ttl               duration default=7d doc="0s disables the TTL"
region_engine[].mito.index.build_mode                enum:sync|async default=sync
region_engine[].mito.index.write_buffer_size         size default=8MB
region_engine[].mito.index.metadata_cache_size       size default=64MB
region_engine[].mito.index.content_cache_size        size default=128MB
region_engine[].mito.index.content_cache_page_size   size default=64KB
region_engine[].mito.index.result_cache_size         size default=128MB
region_engine[].mito.inverted_index                  table
region_engine[].mito.inverted_index.create_on_flush  enum:auto|disable default=auto
region_engine[].mito.inverted_index.create_on_compaction enum:auto|disable default=auto
region_engine[].mito.inverted_index.apply_on_query   enum:auto|disable default=auto
region_engine[].mito.inverted_index.mem_threshold_on_create memthreshold default=auto
region_engine[].mito.inverted_index.intermediate_path string deprecated="use region_engine.mito.index.aux_path"
region_engine[].mito.inverted_index.write_buffer_size size deprecated="use region_engine.mito.index.write_buffer_size"
region_engine[].mito.fulltext_index                  table
region_engine[].mito.fulltext_index.create_on_flush  enum:auto|disable default=auto
region_engine[].mito.fulltext_index.create_on_compaction enum:auto|disable default=auto
region_engine[].mito.fulltext_index.apply_on_query   enum:auto|disable default=auto
region_engine[].mito.fulltext_index.mem_threshold_on_create memthreshold default=auto
region_engine[].mito.fulltext_index.compress         bool default=true
region_engine[].mito.bloom_filter_index              table
region_engine[].mito.bloom_filter_index.create_on_flush enum:auto|disable default=auto
region_engine[].mito.bloom_filter_index.create_on_compaction enum:auto|disable default=auto
region_engine[].mito.bloom_filter_index.apply_on_query enum:auto|disable default=auto
region_engine[].mito.bloom_filter_index.mem_threshold_on_create memthreshold default=auto
region_engine[].mito.vector_index                    table doc="read only by builds with the vector_index feature, which official releases lack"
region_engine[].mito.vector_index.create_on_flush    enum:auto|disable default=auto
region_engine[].mito.vector_index.create_on_compaction enum:auto|disable default=auto
region_engine[].mito.vector_index.apply_on_query     enum:auto|disable default=auto
region_engine[].mito.vector_index.mem_threshold_on_create memthreshold default=auto
region_engine[].mito.gc                              table
region_engine[].mito.gc.enable                       bool default=false doc="must equal metasrv gc.enable"
region_engine[].mito.gc.lingering_time               duration default=1h
region_engine[].mito.gc.unknown_file_lingering_time  duration default=1d
region_engine[].mito.gc.max_concurrent_lister_per_gc_job int default=32
region_engine[].mito.gc.max_concurrent_gc_job        int default=4
`

// blockMetasrvTop is MetasrvOptions (src/meta-srv/src/metasrv.rs) without
// the shared sections. The PostgreSQL and MySQL keys exist in the default
// build (features pg_kvbackend and mysql_kvbackend).
const blockMetasrvTop = `
data_home                          string default=./greptimedb_data doc="metasrv keeps its files in <data_home>/metasrv"
backend                            enum:etcd_store|memory_store|postgres_store|mysql_store default=etcd_store
store_addrs                        array:string default=["127.0.0.1:2379"] envlist doc="etcd host:port (several allowed); PostgreSQL or MySQL: only the first entry is used"
store_key_prefix                   string doc="isolates clusters sharing one store"
meta_table_name                    string default=greptime_metakv doc="PostgreSQL and MySQL"
meta_schema_name                   string doc="PostgreSQL only"
auto_create_schema                 bool default=true doc="PostgreSQL only"
meta_election_lock_id              int default=1 doc="PostgreSQL only; must differ between clusters sharing a database"
max_txn_ops                        int default=128 doc="must not exceed etcd --max-txn-ops"
selector                           enum:round_robin|lease_based|load_based|RoundRobin|LeaseBased|LoadBased default=round_robin
enable_region_failover             bool default=false doc="needs a Kafka WAL and shared object storage"
allow_region_failover_on_local_wal bool default=false
region_failure_detector_initialization_delay duration default=10m
heartbeat_interval                 duration default=3s doc="base heartbeat interval of the whole cluster"
node_max_idle_time                 duration default=24hours
flush_stats_factor                 int default=3
enable_telemetry                   bool default=true
bind_addr                          addr deprecated="use grpc.bind_addr" doc="when set, overrides grpc.bind_addr"
server_addr                        addr deprecated="use grpc.server_addr" doc="when set, overrides grpc.server_addr"
backend_client                     table doc="etcd only"
backend_client.keep_alive_timeout  duration default=3s
backend_client.keep_alive_interval duration default=10s
backend_client.connect_timeout     duration default=3s
failure_detector                   table
failure_detector.threshold         float default=8.0
failure_detector.min_std_deviation duration default=100ms
failure_detector.acceptable_heartbeat_pause duration default=10s
stats_persistence                  table
stats_persistence.ttl              duration default=0s
stats_persistence.interval         duration default=10m
gc                                 table
gc.enable                          bool default=false doc="must equal the datanodes' region_engine.mito.gc.enable"
gc.experimental_soft_drop          table
gc.experimental_soft_drop.enable   bool default=false doc="enterprise only; OSS refuses to start when true"
gc.experimental_soft_drop.retention duration default=7d
gc.max_concurrent_tables           int default=10
gc.max_retries_per_region          int default=3
gc.region_gc_concurrency           int default=16
gc.retry_backoff_duration          duration default=5s
gc.min_region_size_threshold       int default=104857600 doc="bytes, as an integer"
gc.sst_count_weight                float default=0.5
gc.file_removed_count_weight       float default=1.0
gc.gc_cooldown_period              duration default=5m
gc.regions_per_table_threshold     int default=20
gc.mailbox_timeout                 duration default=60s
gc.full_file_listing_interval      duration default=24h
gc.tracker_cleanup_interval        duration default=6h
`

// blockDatanodeTop is DatanodeOptions (src/datanode/src/config.rs) without
// the shared sections. The rpc_* keys still override [grpc] (with a
// warning) in src/cmd/src/datanode.rs.
const blockDatanodeTop = `
node_id                          int doc="required and unique in the cluster (or --node-id)"
default_column_prefix            string
workload_types                   array:enum:hybrid|ingest|query default=["hybrid"] doc="open-source builds accept only hybrid; ingest and query are enterprise"
require_lease_before_startup     bool default=false
init_regions_in_background       bool default=false
init_regions_parallelism         int default=16
max_concurrent_queries           int default=0 doc="0: unlimited"
concurrent_query_limiter_timeout duration default=100ms
enable_telemetry                 bool default=true
heartbeat_env_vars               array:string envlist
rpc_addr                         addr deprecated="use grpc.bind_addr" doc="when set, overrides grpc.bind_addr"
rpc_hostname                     string deprecated="use grpc.server_addr" doc="when set, overrides grpc.server_addr"
rpc_runtime_size                 int deprecated="use grpc.runtime_size"
rpc_max_recv_message_size        size deprecated="use grpc.max_recv_message_size"
rpc_max_send_message_size        size deprecated="use grpc.max_send_message_size"
`

// blockStandaloneTop is what StandaloneOptions (src/standalone/src/options.rs)
// adds at the top level besides blockFrontendTop.
const blockStandaloneTop = `
enable_telemetry                bool default=true
init_regions_in_background      bool default=false
init_regions_parallelism        int default=16
metadata_store                  table
metadata_store.file_size        size default=64MB
metadata_store.purge_threshold  size default=256MB
metadata_store.purge_interval   duration default=1m
`
