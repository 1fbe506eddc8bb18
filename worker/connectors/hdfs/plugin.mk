# The HDFS family: io.confluent.connect.hdfs.HdfsSinkConnector and
# io.confluent.connect.hdfs3.Hdfs3SinkConnector over WebHDFS. Links libcurl (WebHDFS), json-c (its
# answers), libxml2 (hadoop.conf.dir), zlib (WAL checksums, gzip, deflate), libsnappy and libzstd,
# and compiles in the storage-sink core (worker/connectors/shared/storage) with the Avro code its
# .avro files use and the shared Parquet writer (its .parquet files; shared/parquet/
# storage_format_parquet.c replaces the core's stub).
hdfs_PKGS := libcurl json-c libxml-2.0 zlib
hdfs_LIBS := -lsnappy -lzstd
hdfs_SHARED := $(patsubst worker/connectors/shared/%.c,%,$(sort $(wildcard worker/connectors/shared/storage/*.c worker/connectors/shared/avro/*.c worker/connectors/shared/parquet/*.c)))
