/* Connect values as text, the way Java's toString() shows them: numbers, booleans, "[a, b]"
 * lists, "{k=v}" maps, "Struct{f=v}" structs, Decimal as BigDecimal.toString, and Date, Time and
 * Timestamp as java.util.Date.toString in UTC. The StringConverter writes records with it; the
 * runtime's error log shows failed records with it. */
#ifndef FERRY_TEXT_H
#define FERRY_TEXT_H

#include <ferry/api.h>
#include <ferry/buf.h>
#include <ferry/data.h>

#include <stdint.h>

/* Appends the text of v (schema s may be NULL; it decides the logical types) to b; a NULL value
 * is "null", STRING and BYTES values their own bytes. -1 when out of memory. */
FERRY_API int ferry_value_text(ferry_buf_t *b, const ferry_schema_t *s, const ferry_value_t *v);
/* Connect's Values.convertToString: numbers and booleans as Java prints them, strings as they are,
 * bytes in Base64, lists "[a,b]", maps and structs "{"k":v}" (strings quoted inside them),
 * Decimal as BigDecimal.toString, Date, Time and Timestamp in ISO 8601 (yyyy-MM-dd,
 * HH:mm:ss.SSS'Z', yyyy-MM-dd'T'HH:mm:ss.SSS'Z'). A NULL value is "null". -1 when out of memory. */
FERRY_API int ferry_values_string(ferry_buf_t *b, const ferry_schema_t *s, const ferry_value_t *v);
/* java.util.Date.toString() in UTC of ms since the epoch: "Thu Jan 01 00:00:00 UTC 1970". */
FERRY_API int ferry_java_date_text(ferry_buf_t *b, int64_t ms);

#endif
