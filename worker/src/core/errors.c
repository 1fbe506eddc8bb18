/* Error code tables: ferry_err2str (description) and ferry_err2name (Connect-style name), both
 * generated from the FERRY_ERRORS X-macro in errors.h. Used wherever a ferry_err_t is logged or
 * turned into a REST error body. */
#include "ferry/errors.h"

#include <stddef.h>

static const char *const err_desc[] = {
#define FERRY_X_DESC(name, desc) [FERRY_ERR_##name] = desc,
        FERRY_ERRORS(FERRY_X_DESC)
#undef FERRY_X_DESC
};

static const char *const err_name[] = {
#define FERRY_X_NAME(name, desc) [FERRY_ERR_##name] = #name,
        FERRY_ERRORS(FERRY_X_NAME)
#undef FERRY_X_NAME
};

const char *ferry_err2str(ferry_err_t err)
{
        if ((unsigned)err >= (unsigned)FERRY_ERR__END)
                return "unknown error";
        return err_desc[err];
}

const char *ferry_err2name(ferry_err_t err)
{
        if ((unsigned)err >= (unsigned)FERRY_ERR__END)
                return "UNKNOWN";
        return err_name[err];
}
