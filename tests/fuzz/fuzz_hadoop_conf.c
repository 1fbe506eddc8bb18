/* libFuzzer target for the HDFS sink's hadoop.conf.dir reader (worker/connectors/hdfs/hadoop_conf.c,
 * libxml2): any bytes as core-site.xml/hdfs-site.xml must parse or fail cleanly, and the
 * properties read must resolve hdfs:// URLs (HA name services included) without harm. */
#include "../../worker/connectors/hdfs/hadoop_conf.c"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        ferry_strmap_t props;
        ferry_strmap_init(&props);
        char err[512];
        if (hadoop_conf_parse_xml((const char *)data, size, "fuzz.xml", &props, err, sizeof(err)) == 0) {
                static const char *const urls[] = {NULL, "hdfs://ns1", "hdfs://nn:8020/data", "webhdfs://h",
                                                   "http://a:1,http://b:2"};
                for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
                        hdfs_target_t t;
                        if (hdfs_target_resolve(urls[i], &props, &t, err, sizeof(err)) == 0) {
                                if (t.n == 0 || !t.path)
                                        abort();
                                hdfs_target_free(&t);
                        }
                }
        }
        /* The text itself as a URL. */
        char *url = malloc(size + 1);
        if (url) {
                memcpy(url, data, size);
                url[size] = 0;
                hdfs_target_t t;
                if (hdfs_target_resolve(url, &props, &t, err, sizeof(err)) == 0)
                        hdfs_target_free(&t);
                free(url);
        }
        ferry_strmap_free(&props);
        return 0;
}
