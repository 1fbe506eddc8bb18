# The HDFS family: io.confluent.connect.hdfs.HdfsSinkConnector and
# io.confluent.connect.hdfs3.Hdfs3SinkConnector over WebHDFS. Links libcurl (WebHDFS), json-c (its
# answers), libxml2 (hadoop.conf.dir) and zlib (WAL checksums), and compiles in the storage-sink
# core (worker/connectors/shared/storage) with the Avro codec its Avro format uses.
hdfs_PKGS := libcurl json-c libxml-2.0 zlib
hdfs_LIBS := -lsnappy
hdfs_SHARED := $(patsubst worker/connectors/shared/%.c,%,$(sort $(wildcard worker/connectors/shared/storage/*.c worker/connectors/shared/avro/*.c)))
