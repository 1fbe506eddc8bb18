# The Avro family: io.confluent.connect.avro.AvroConverter. Links libcurl (the schema registry's
# REST API) and compiles the shared Avro code (worker/connectors/shared/avro) into the plugin.
avro_PKGS := libcurl
avro_SHARED := $(patsubst worker/connectors/shared/%.c,%,$(sort $(wildcard worker/connectors/shared/avro/*.c)))
