/* Avro name scrubbing for the Connect -> Avro mapping (AvroData's scrub.invalid.names): a Connect
 * schema or field name that is not a valid Avro name is URL-encoded (UTF-8, as Java's URLEncoder:
 * space as '+', other bytes outside [A-Za-z0-9.*_-] as %XX), prefixed with 'x' when it then starts
 * with a digit, and every character outside [A-Za-z0-9_] becomes '_'. Used by
 * avro_data_schema.c when it builds record, fixed and field names, and by avro_data_value.c to
 * pair a Connect field with its scrubbed Avro field. Also the tests for Connect union structs and
 * their generalized (connect_union_field_<i>) member names both directions share. */
#include "avro_data.h"

#include <stdlib.h>
#include <string.h>

bool ferry_avro_is_union_schema(const ferry_schema_t *s)
{
        return s && s->type == FERRY_TYPE_STRUCT &&
               ((s->name && strcmp(s->name, FERRY_AVRO_UNION_NAME) == 0) ||
                ferry_schema_param(s, FERRY_CONNECT_UNION_PARAM));
}

long ferry_avro_generalized_field_index(const char *name)
{
        size_t n = strlen(FERRY_CONNECT_UNION_FIELD);
        if (strncmp(name, FERRY_CONNECT_UNION_FIELD, n) != 0 || !name[n])
                return -1;
        char *end;
        long i = strtol(name + n, &end, 10);
        return *end || i < 0 ? -1 : i;
}

static bool name_char(unsigned char c)
{
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

bool ferry_avro_valid_name(const char *name)
{
        if (!name || !name[0] || (name[0] >= '0' && name[0] <= '9'))
                return false;
        for (const unsigned char *p = (const unsigned char *)name; *p; p++)
                if (!name_char(*p))
                        return false;
        return true;
}

char *ferry_avro_scrub_name(const char *name)
{
        if (!name)
                return NULL;
        if (!name[0] || ferry_avro_valid_name(name))
                return ferry_avro_strdup(name);
        size_t n = strlen(name);
        char *out = malloc(3 * n + 2), *o = out;
        if (!out)
                return NULL;
        static const char hex[] = "0123456789ABCDEF";
        /* URLEncoder keeps [A-Za-z0-9.*_-] and writes the others as '+' or %XX; a leading digit
         * gets an 'x'; then everything but [A-Za-z0-9_] is '_' (so '%' before the hex digits). */
        if (name[0] >= '0' && name[0] <= '9')
                *o++ = 'x';
        for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
                if (name_char(*p)) {
                        *o++ = (char)*p;
                } else if (*p == '.' || *p == '*' || *p == '-' || *p == ' ') {
                        *o++ = '_';
                } else {
                        *o++ = '_';
                        *o++ = hex[*p >> 4];
                        *o++ = hex[*p & 15];
                }
        }
        *o = '\0';
        return out;
}
