# The Avro family: io.confluent.connect.avro.AvroConverter. Links libcurl (the schema registry's
# REST API; OpenSSL opens PKCS12 stores for its TLS settings), zlib and libsnappy (the object container codecs of the shared Avro code,
# worker/connectors/shared/avro, which is compiled into the plugin).
avro_PKGS := libcurl zlib openssl
avro_LIBS := -lsnappy
avro_SHARED := $(patsubst worker/connectors/shared/%.c,%,$(sort $(wildcard worker/connectors/shared/avro/*.c)))
