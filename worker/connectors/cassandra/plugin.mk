# The Cassandra family: the DataStax and Lenses (Stream Reactor) sinks over Ferry's own CQL
# client (worker/connectors/shared/cql; no C driver for Cassandra is packaged), TLS through OpenSSL,
# the shared KCQL parser for the Lenses config, and liblz4, libsnappy and zlib for the CQL frames
# (LZ4/snappy compression, protocol v5 CRC32).
cassandra_PKGS := openssl liblz4 zlib
cassandra_LIBS := -lsnappy
cassandra_SHARED := $(patsubst worker/connectors/shared/%.c,%,$(sort $(wildcard worker/connectors/shared/cql/*.c))) kcql
