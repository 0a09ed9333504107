/* SPDX-License-Identifier: MIT */
/* Measured text output shared by the classification report and the overfitting
 * explanation. */
#include "fp-private.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "text-private.h"

void trm__text_put(trm__text *t, const char *text, size_t len)
{
    if (t->buf && t->len + len < t->cap)
        memcpy(t->buf + t->len, text, len);
    t->len += len;
}

void trm__text_printf(trm__text *t, const char *fmt, ...)
{
    char piece[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(piece, sizeof piece, fmt, ap);
    va_end(ap);
    if (n > 0)
        trm__text_put(t, piece, (size_t)n < sizeof piece ? (size_t)n : sizeof piece - 1);
}

int trm__text_deliver(const char *func, trm__text_writer write, const void *context, char *buf,
                      size_t cap, size_t *size)
{
    trm__text measure = { NULL, 0, 0 };
    write(&measure, context);
    *size = measure.len + 1;
    if (buf == NULL || cap < *size)
        return trm__fail(TRM_E_BUFFER, func, "the text needs %zu bytes, the buffer has %zu", *size,
                         buf ? cap : (size_t)0);
    trm__text out = { buf, cap, 0 };
    write(&out, context);
    buf[out.len] = '\0';
    return TRM_OK;
}
