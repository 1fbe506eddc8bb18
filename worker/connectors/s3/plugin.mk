# The S3 family: io.confluent.connect.s3.S3SinkConnector over the storage-sink core
# (worker/connectors/shared/storage) and the shared Avro code (its .avro files). Links libcurl (the
# S3 REST API), OpenSSL (SigV4: SHA-256 and HMAC), zlib (gzip, deflate) and libsnappy.
s3_PKGS := libcurl openssl zlib
s3_LIBS := -lsnappy
s3_SHARED := $(patsubst worker/connectors/shared/%.c,%,$(sort $(wildcard worker/connectors/shared/storage/*.c worker/connectors/shared/avro/*.c)))
