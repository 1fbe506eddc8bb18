/* libFuzzer target for the Lenses MQTT converters (worker/connectors/mqtt/mqtt_lenses_convert.c),
 * which parse MQTT payloads from outside: the first input byte picks the converter, whether WITHKEY
 * fields are asked for and the KEYDELIMITER; the rest is the payload (also used as the MQTT topic of
 * target $). Every payload must convert or fail with a message; a converted value written back as
 * JSON by the Lenses sink's writer must parse as JSON again. The converters are part of the mqtt
 * plugin, not of the worker, so the source is included here (as fuzz_jdbc_url.c does). */
#include "../../worker/connectors/mqtt/mqtt_lenses_convert.c"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 1)
                return 0;
        static const char *const classes[] = {
                NULL,
                "io.lenses.streamreactor.connect.converters.source.JsonSimpleConverter",
                "com.datamountaineer.streamreactor.connect.converters.source.JsonOptNullConverter",
                "io.lenses.streamreactor.connect.converters.source.JsonPassThroughConverter",
                "io.lenses.streamreactor.connect.converters.source.JsonConverterWithSchemaEvolution",
        };
        uint8_t sel = data[0];
        const char *cls = classes[sel % 5];
        char *const fields[] = {"a", "b.c", "d"};
        lenses_keys_t keys = {.fields = fields, .n = (sel >> 3) & 3, .delimiter = sel & 0x80 ? "|" : "."};
        char err[512];
        lenses_conv_t c;
        if (lenses_conv_init(&c, cls, sel & 0x40, err, sizeof(err)) < 0)
                abort();
        char *topic = malloc(size);
        if (!topic)
                return 0;
        memcpy(topic, data + 1, size - 1);
        topic[size - 1] = 0;
        char *dollar = lenses_dollar_topic(topic);
        if (dollar && strchr(dollar, '/'))
                abort(); /* every "/" is gone */
        ferry_record_t *r = lenses_convert(&c, "t", dollar ? dollar : "t", 7, data + 1, size - 1, &keys, err,
                                           sizeof(err));
        if (r) {
                ferry_buf_t b;
                ferry_buf_init(&b);
                if (lenses_json_put(&b, r->value_schema, r->value, err, sizeof(err)) == 0 && b.p) {
                        char why[256];
                        ferry_value_t *back = ferry_json_read(b.p, b.len, why, sizeof(why));
                        if (!back && strcmp(why, "JSON null"))
                                abort();
                        ferry_value_free(back);
                }
                ferry_buf_free(&b);
                ferry_record_free(r);
        } else if (!err[0]) {
                abort(); /* a failure always says why */
        }
        free(dollar);
        free(topic);
        lenses_conv_free(&c);
        return 0;
}
