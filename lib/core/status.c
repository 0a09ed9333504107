/* SPDX-License-Identifier: MIT */
/* Status codes, the thread-local error detail and the version queries. */
#include "fp-private.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common-private.h"

/* Long enough for a function name, two indices and a few formatted numbers;
 * longer details are truncated, never overrun. */
static _Thread_local char last_error[512];

int trm__fail(int code, const char *func, const char *fmt, ...)
{
    int used = snprintf(last_error, sizeof last_error, "%s: ", func);
    if (used >= 0 && (size_t)used < sizeof last_error) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(last_error + used, sizeof last_error - (size_t)used, fmt, ap);
        va_end(ap);
    }
    return code;
}

unsigned trm_version_number(void)
{
    return TRM_VERSION_NUMBER;
}

const char *trm_version_string(void)
{
    return TRM_VERSION_STRING;
}

const char *trm_strerror(int code)
{
    switch (code) {
    case TRM_OK: return "success";
    case TRM_E_INVALID: return "invalid argument";
    case TRM_E_NOMEM: return "out of memory";
    case TRM_E_LABEL: return "label out of range";
    case TRM_E_NONFINITE: return "non-finite value";
    case TRM_E_MISMATCH: return "mismatched handles or operation";
    case TRM_E_OVERFLOW: return "overflow";
    case TRM_E_BUFFER: return "buffer too small";
    case TRM_E_CORRUPT: return "corrupt serialized data";
    case TRM_E_VERSION: return "unsupported serialization version";
    case TRM_E_EMPTY: return "nothing accumulated";
    case TRM_E_INTERNAL: return "internal inconsistency";
    default: return "unknown error";
    }
}

const char *trm_last_error(void)
{
    return last_error;
}

void trm_clear_last_error(void)
{
    last_error[0] = '\0';
}
