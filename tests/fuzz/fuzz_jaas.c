/* libFuzzer target for the JAAS parser (worker/src/kafka/kafka_security.c) that reads
 * sasl.jaas.config values of worker and connector configs: arbitrary text is parsed; on success
 * the result must hold a login module and a flag, on failure nothing. Nothing may crash or leak. */
#include "kafka/kafka_security.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        ferry_jaas_t j;
        char err[256];
        if (ferry_jaas_parse(text, &j, err, sizeof(err)) == 0) {
                if (!j.login_module || !j.flag)
                        abort();
                ferry_jaas_free(&j);
        } else if (j.login_module || !err[0]) {
                abort();
        }
        free(text);
        return 0;
}
