/* The few values Ferry reads from S3's XML responses: an element's text by name (UploadId of
 * InitiateMultipartUploadResult; Code, Message of an Error document, which S3 may also return
 * with status 200 from CompleteMultipartUpload). A tolerant scanner rather than an XML library:
 * it reads leaf elements only, skips the prolog, comments and CDATA-free markup, and decodes the
 * five predefined entities and numeric character references. Fuzzed by tests/fuzz/fuzz_s3_xml.c. */
#ifndef FERRY_S3_XML_H
#define FERRY_S3_XML_H

#include <stdbool.h>
#include <stddef.h>

/* The decoded text of the first element called name (without namespace prefix) in xml[0..len),
 * malloc'd; NULL when there is none or it holds child elements. */
char *s3_xml_text(const char *xml, size_t len, const char *name);
/* Whether the document's root element is called name. */
bool s3_xml_root_is(const char *xml, size_t len, const char *name);

#endif
