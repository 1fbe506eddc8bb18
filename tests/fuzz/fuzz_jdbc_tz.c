/* libFuzzer target for the TZif parser of db.timezone (worker/connectors/jdbc/jdbc_tz.c): any bytes
 * as a zoneinfo file must parse or fail cleanly, and a parsed zone must answer offsets and wall
 * time conversions for any instant without overflow or reading past its tables. The parser is part
 * of the jdbc plugin, so its source is included here. */
#include "../../worker/connectors/jdbc/jdbc_tz.c"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        jdbc_tz_t *tz = NULL;
        if (jdbc_tz_parse(data, size, &tz) == 0) {
                static const int64_t at[] = {-4000000000000LL, -1, 0, 1719835200000LL, 4000000000000LL};
                for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
                        int64_t local = jdbc_tz_utc_to_local_ms(tz, at[i]);
                        (void)jdbc_tz_local_to_utc_ms(tz, local);
                }
                jdbc_tz_free(tz);
        }
        return 0;
}
