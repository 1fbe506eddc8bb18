/* libFuzzer target for the WebHDFS answer parser (worker/connectors/hdfs/webhdfs_parse.c): any
 * bytes as a NameNode's body must parse or be refused cleanly as a RemoteException, a boolean, a
 * FileStatus, a (batched) listing and a redirect Location. The parser is part of the hdfs plugin,
 * so its source is included here. */
#include "../../worker/connectors/hdfs/webhdfs_parse.c"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *body = (const char *)data;
        webhdfs_remote_exception_t re;
        if (webhdfs_parse_remote_exception(body, size, &re) == 0) {
                if (strlen(re.exception) >= sizeof(re.exception) || strchr(re.message, '\n'))
                        abort();
                (void)webhdfs_exception_err(re.exception);
                (void)webhdfs_exception_is_standby(re.exception);
        }
        bool b;
        (void)webhdfs_parse_boolean(body, size, &b);
        webhdfs_status_t st;
        if (webhdfs_parse_file_status(body, size, &st) == 0 && !st.name)
                abort();
        webhdfs_status_free(&st);
        webhdfs_listing_t l = {0};
        int64_t remaining;
        if (webhdfs_parse_listing(body, size, &l, &remaining) == 0 && remaining < 0)
                abort();
        for (size_t i = 0; i < l.n; i++)
                if (!l.items[i].name)
                        abort();
        webhdfs_listing_free(&l);
        free(webhdfs_parse_location(body, size));
        return 0;
}
