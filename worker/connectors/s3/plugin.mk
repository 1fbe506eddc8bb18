# The S3 family: io.confluent.connect.s3.S3SinkConnector over the storage-sink core
# (worker/connectors/shared/storage), the shared Avro code (its .avro files) and the shared Parquet
# writer (its .parquet files; shared/parquet/storage_format_parquet.c replaces the core's stub).
# Links libcurl (the S3 REST API), OpenSSL (SigV4: SHA-256 and HMAC), zlib (gzip, deflate),
# libsnappy and libzstd (Parquet's zstd codec), and ICU (shared/tz: named time zones of the
# time-based partitioners).
s3_PKGS := libcurl openssl zlib icu-i18n icu-uc
s3_LIBS := -lsnappy -lzstd
s3_SHARED := $(patsubst worker/connectors/shared/%.c,%,$(sort $(wildcard worker/connectors/shared/storage/*.c worker/connectors/shared/avro/*.c worker/connectors/shared/parquet/*.c worker/connectors/shared/tz/*.c)))
