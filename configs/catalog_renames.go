package configs

// Component groups used by Renames.
var (
	serverComponents = []Component{Frontend, Datanode, Standalone}
	protoComponents  = []Component{Frontend, Standalone}
	storeComponents  = []Component{Datanode, Standalone}
	nodeComponents   = []Component{Frontend, Datanode, Flownode}
)

// Renames lists renamed and removed keys (SCHEMA.md section 7, plus keys
// removed from the example files that old configs still carry). Old and
// New are schema keys; an entry for a table covers every key below it, and
// FindRename picks the most specific entry. Versions are the first release
// with the change.
var Renames = []Rename{
	// v0.4.0 (#2416) dropped the _options suffix of the server sections.
	{Components: serverComponents, Old: "http_options", New: "http", Version: "v0.4.0", Note: "the section was renamed"},
	{Components: serverComponents, Old: "grpc_options", New: "grpc", Version: "v0.4.0", Note: "the section was renamed; its keys are ignored and the [grpc] defaults apply"},
	{Components: protoComponents, Old: "mysql_options", New: "mysql", Version: "v0.4.0", Note: "the section was renamed"},
	{Components: protoComponents, Old: "postgres_options", New: "postgres", Version: "v0.4.0", Note: "the section was renamed"},
	{Components: protoComponents, Old: "opentsdb_options", New: "opentsdb", Version: "v0.4.0", Note: "the section was renamed"},
	{Components: protoComponents, Old: "influxdb_options", New: "influxdb", Version: "v0.4.0", Note: "the section was renamed"},
	{Components: protoComponents, Old: "prom_options", New: "prom_store", Version: "v0.4.0", Note: "the section was renamed"},
	{Components: protoComponents, Old: "prometheus_options", New: "prom_store", Version: "v0.4.0", Note: "the section was renamed"},
	{Components: nodeComponents, Old: "meta_client_options", New: "meta_client", Version: "v0.4.0", Note: "the section was renamed"},
	{Components: nodeComponents, Old: "meta_client_options.timeout_millis", New: "meta_client.timeout", Version: "v0.4.0", Note: "now a duration string such as \"3s\""},
	{Components: nodeComponents, Old: "meta_client_options.connect_timeout_millis", New: "meta_client.connect_timeout", Version: "v0.4.0", Note: "now a duration string such as \"1s\""},
	{Components: nodeComponents, Old: "meta_client_opts", New: "meta_client", Version: "v0.1.0", Note: "the section was renamed before the first release"},
	{Components: nodeComponents, Old: "meta_client_opts.metasrv_addr", New: "meta_client.metasrv_addrs", Version: "v0.1.0", Note: "now a list of addresses"},
	{Components: serverComponents, Old: "enable_memory_catalog", Version: "v0.4.0", Note: "removed"},

	// v0.4.4 (#2777) moved storage engine tuning to [region_engine.mito].
	{Components: storeComponents, Old: "storage.compaction", Version: "v0.4.4", Note: "removed; compaction is tuned under [region_engine.mito]"},
	{Components: storeComponents, Old: "storage.manifest", Version: "v0.4.4", Note: "removed; see region_engine.mito.manifest_checkpoint_distance"},
	{Components: storeComponents, Old: "storage.flush", Version: "v0.4.4", Note: "removed; flushing is tuned under [region_engine.mito]"},
	{Components: storeComponents, Old: "storage.flush.auto_flush_interval", New: "region_engine[].mito.auto_flush_interval", Version: "v0.4.4", Note: "moved to the mito engine"},
	{Components: storeComponents, Old: "storage.flush.global_write_buffer_size", New: "region_engine[].mito.global_write_buffer_size", Version: "v0.4.4", Note: "moved to the mito engine"},
	{Components: storeComponents, Old: "region_engine[].mito.manifest_compress_type", New: "region_engine[].mito.compress_manifest", Version: "v0.4.4", Note: "now a boolean"},

	// Addresses.
	{Components: []Component{Metasrv}, Old: "store_addr", New: "store_addrs", Version: "v0.8.0", Note: "ignored, so metasrv dials the default 127.0.0.1:2379; write a list"},
	{Components: []Component{Datanode}, Old: "rpc_addr", New: "grpc.bind_addr", Version: "v0.9.0", Honoured: true, Note: "still read, with a warning, and it overrides grpc.bind_addr"},
	{Components: []Component{Datanode}, Old: "rpc_hostname", New: "grpc.server_addr", Version: "v0.9.0", Honoured: true, Note: "still read, with a warning, and it overrides grpc.server_addr"},
	{Components: []Component{Datanode}, Old: "rpc_runtime_size", New: "grpc.runtime_size", Version: "v0.12.0", Honoured: true, Note: "still read, with a warning, and it overrides grpc.runtime_size"},
	{Components: []Component{Datanode}, Old: "rpc_max_recv_message_size", New: "grpc.max_recv_message_size", Version: "v0.12.0", Honoured: true, Note: "still read, with a warning, and it overrides [grpc]"},
	{Components: []Component{Datanode}, Old: "rpc_max_send_message_size", New: "grpc.max_send_message_size", Version: "v0.12.0", Honoured: true, Note: "still read, with a warning, and it overrides [grpc]"},
	{Old: "grpc.addr", New: "grpc.bind_addr", Version: "v0.12.0", Note: "ignored, so the server binds its default 127.0.0.1 address"},
	{Old: "grpc.hostname", New: "grpc.server_addr", Version: "v0.12.0", Note: "ignored, so the server advertises its first NIC's address"},
	{Components: []Component{Metasrv}, Old: "bind_addr", New: "grpc.bind_addr", Version: "v0.15.0", Honoured: true, Note: "still read, with a warning, and it overrides grpc.bind_addr"},
	{Components: []Component{Metasrv}, Old: "server_addr", New: "grpc.server_addr", Version: "v0.15.0", Honoured: true, Note: "still read, with a warning, and it overrides grpc.server_addr"},

	// Metasrv backend.
	{Components: []Component{Metasrv}, Old: "pg_table_name", New: "meta_table_name", Version: "v0.12.0", Note: "renamed before release"},
	{Components: []Component{Metasrv}, Old: "use_memory_store", New: "backend", Version: "v1.0.0", Note: "ignored; write backend = \"memory_store\""},
	{Components: []Component{Metasrv}, Old: "wal.trigger_flush_threshold", New: "wal.flush_trigger_size", Version: "v0.17.0", Note: "ignored; remote WAL flushes are now triggered by flush_trigger_size"},

	// Modes and sections that are gone.
	{Old: "mode", Version: "v0.14.0", Note: "ignored; the subcommand (standalone, frontend, ...) sets the mode"},
	{Components: nodeComponents, Old: "heartbeat", Version: "v1.1.0", Note: "never read; heartbeat timing comes from metasrv heartbeat_interval"},
	{Old: "export_metrics", Version: "v1.0.0", Note: "removed; scrape the /metrics endpoint instead"},
	{Components: protoComponents, Old: "logging.slow_query", New: "slow_query", Version: "v0.15.0", Note: "the section moved to the top level"},
	{Components: nodeComponents, Old: "meta_client.heartbeat_timeout", Version: "v1.0.0", Note: "removed; heartbeat timing comes from metasrv"},

	// Mito engine.
	{Components: storeComponents, Old: "region_engine[].mito.max_background_jobs", New: "region_engine[].mito.max_background_flushes", Version: "v0.10.0", Note: "split into max_background_flushes, max_background_compactions and max_background_purges"},
	{Components: storeComponents, Old: "region_engine[].mito.enable_experimental_write_cache", New: "region_engine[].mito.enable_write_cache", Version: "v0.12.0", Note: "renamed"},
	{Components: storeComponents, Old: "region_engine[].mito.experimental_write_cache_path", New: "region_engine[].mito.write_cache_path", Version: "v0.12.0", Note: "renamed"},
	{Components: storeComponents, Old: "region_engine[].mito.experimental_write_cache_size", New: "region_engine[].mito.write_cache_size", Version: "v0.12.0", Note: "renamed"},
	{Components: storeComponents, Old: "region_engine[].mito.experimental_write_cache_ttl", New: "region_engine[].mito.write_cache_ttl", Version: "v0.12.0", Note: "renamed"},
	{Components: storeComponents, Old: "region_engine[].mito.inverted_index.metadata_cache_size", New: "region_engine[].mito.index.metadata_cache_size", Version: "v0.12.0", Note: "moved to [region_engine.mito.index]"},
	{Components: storeComponents, Old: "region_engine[].mito.inverted_index.content_cache_size", New: "region_engine[].mito.index.content_cache_size", Version: "v0.12.0", Note: "moved to [region_engine.mito.index]"},
	{Components: storeComponents, Old: "region_engine[].mito.inverted_index.content_cache_page_size", New: "region_engine[].mito.index.content_cache_page_size", Version: "v0.12.0", Note: "moved to [region_engine.mito.index]"},
	{Components: storeComponents, Old: "region_engine[].mito.inverted_index.intermediate_path", New: "region_engine[].mito.index.aux_path", Version: "v0.9.0", Honoured: true, Note: "still read when index.aux_path is empty"},
	{Components: storeComponents, Old: "region_engine[].metric.sparse_primary_key_encoding", Version: "v1.2.0-beta.1", Note: "removed; sparse encoding is always on"},

	// Runtime and engine knobs that were dropped.
	{Old: "runtime.read_rt_size", New: "runtime.global_rt_size", Version: "v0.10.0", Note: "the read, write and background runtimes were merged"},
	{Old: "runtime.write_rt_size", New: "runtime.global_rt_size", Version: "v0.10.0", Note: "the read, write and background runtimes were merged"},
	{Old: "runtime.bg_rt_size", New: "runtime.compact_rt_size", Version: "v0.10.0", Note: "background work now runs on the global and compaction runtimes"},
	{Components: storeComponents, Old: "region_engine[].mito.scan_parallelism", Version: "v0.11.0", Note: "removed"},
	{Components: storeComponents, Old: "region_engine[].mito.parallel_scan_channel_size", Version: "v0.11.0", Note: "removed"},
	{Components: storeComponents, Old: "region_engine[].mito.memtable", Version: "v1.1.0", Note: "removed with the partition-tree memtable (#8080)"},
	{Components: storeComponents, Old: "region_engine[].metric.experimental_sparse_primary_key_encoding", Version: "v1.0.0", Note: "renamed to sparse_primary_key_encoding, which v1.2.0-beta.1 removed; sparse encoding is always on"},
	{Components: []Component{Metasrv}, Old: "failure_detector.first_heartbeat_estimate", Version: "v0.11.0", Note: "removed"},
	{Old: "logging.slow_query", Version: "v0.15.0", Note: "removed; frontend and standalone have a top-level [slow_query]"},
	{Components: protoComponents, Old: "http.prom_validation_mode", New: "prom_store.prom_validation_mode", Version: "main", Note: "moved to [prom_store] (#8744)"},
	{Components: protoComponents, Old: "http.experimental_enable_prometheus_native_histogram", New: "prom_store.experimental_enable_prometheus_native_histogram", Version: "main", Note: "moved to [prom_store] (#8744)"},

	// Kafka WAL.
	{Components: []Component{Metasrv, Datanode, Standalone}, Old: "wal.backoff_init", Version: "v0.11.0", Note: "removed; the Kafka client's backoff is fixed"},
	{Components: []Component{Metasrv, Datanode, Standalone}, Old: "wal.backoff_max", Version: "v0.11.0", Note: "removed; the Kafka client's backoff is fixed"},
	{Components: []Component{Metasrv, Datanode, Standalone}, Old: "wal.backoff_base", Version: "v0.11.0", Note: "removed; the Kafka client's backoff is fixed"},
	{Components: []Component{Metasrv, Datanode, Standalone}, Old: "wal.backoff_deadline", Version: "v0.11.0", Note: "removed; the Kafka client's backoff is fixed"},
	{Components: storeComponents, Old: "wal.max_batch_size", New: "wal.max_batch_bytes", Version: "v0.9.0", Honoured: true, Note: "still read as an alias"},
}
