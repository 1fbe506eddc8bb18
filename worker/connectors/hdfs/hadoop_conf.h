/* Hadoop client configuration for the HDFS sink: the properties of core-site.xml and
 * hdfs-site.xml (hadoop.conf.dir) and the resolution of hdfs.url/store.url into the WebHDFS
 * addresses of the NameNode(s), HA name services included. */
#ifndef FERRY_HDFS_HADOOP_CONF_H
#define FERRY_HDFS_HADOOP_CONF_H

#include <ferry/strmap.h>

#include <stddef.h>

/* Parses one Hadoop configuration file (<configuration><property><name/><value/></property>..)
 * into props; a later value of a name replaces an earlier one, unless that one was <final>true.
 * name is the file's name for messages. 0, or -1 with a message. */
int hadoop_conf_parse_xml(const char *text, size_t len, const char *name, ferry_strmap_t *props, char *errstr,
                          size_t errstr_size);
/* Reads <dir>/core-site.xml then <dir>/hdfs-site.xml (a missing file is skipped). */
int hadoop_conf_load_dir(const char *dir, ferry_strmap_t *props, char *errstr, size_t errstr_size);

typedef struct {
        char **namenodes; /* WebHDFS base URLs, "http://host:port" */
        size_t n;
        char *path; /* the URL's path ("" or "/prefix", no trailing '/'): files go below it */
} hdfs_target_t;

/* url: hdfs://host[:port][/path] (host may be an HA name service of the configuration; the
 * WebHDFS address comes from dfs.namenode.http-address[.<ns>.<nn>] or the default port 9870),
 * webhdfs://host[:port] (swebhdfs: https, 9871), or http(s)://host:port, several separated by
 * commas (tried in turn). NULL or "": fs.defaultFS of conf. 0, or -1 with a message. */
int hdfs_target_resolve(const char *url, const ferry_strmap_t *conf, hdfs_target_t *out, char *errstr,
                        size_t errstr_size);
void hdfs_target_free(hdfs_target_t *t);

#endif
