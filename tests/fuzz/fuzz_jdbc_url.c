/* libFuzzer target for the JDBC URL parser (worker/connectors/jdbc/jdbc_url.c): any bytes as
 * connection.url must parse or fail cleanly, and a parsed PostgreSQL URL must turn into a libpq
 * conninfo whose every value is quoted (no unescaped quote can end a value early). The parser is
 * part of the jdbc plugin, not of the worker, so its source is included here: the target links
 * with the worker's sources like every other fuzz target. By hand:
 *   clang -fsanitize=fuzzer,address,undefined -Iworker/include -Iworker/src -Ibuild/gen \
 *     tests/fuzz/fuzz_jdbc_url.c worker/src/common/buf.c worker/src/core/config.c worker/src/common/log.c */
#include "../../worker/connectors/jdbc/jdbc_url.c"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *url = malloc(size + 1);
        if (!url)
                return 0;
        memcpy(url, data, size);
        url[size] = 0;
        jdbc_url_t u;
        char err[256];
        if (jdbc_url_parse(url, &u, err, sizeof(err)) == 0) {
                if (u.kind == JDBC_DB_POSTGRES) {
                        char *dropped = NULL;
                        char *ci = jdbc_pg_conninfo(&u, "user'x", "p\\w", &dropped);
                        /* Every value opens and closes its quote: count unescaped quotes. */
                        size_t quotes = 0;
                        for (const char *p = ci; p && *p; p++) {
                                if (*p == '\\' && p[1]) {
                                        p++;
                                        continue;
                                }
                                quotes += *p == '\'';
                        }
                        if (quotes % 2)
                                abort();
                        free(ci);
                        free(dropped);
                }
                jdbc_url_free(&u);
        }
        free(url);
        return 0;
}
