# The Cassandra family: the DataStax and Lenses (Stream Reactor) sinks over Ferry's own CQL
# client (worker/connectors/shared/cql; no C driver for Cassandra is packaged), TLS through OpenSSL,
# and the shared KCQL parser for the Lenses config.
cassandra_PKGS := openssl
cassandra_SHARED := $(patsubst worker/connectors/shared/%.c,%,$(sort $(wildcard worker/connectors/shared/cql/*.c))) kcql
