/* SPDX-License-Identifier: MIT */
/* Text output with the library's size protocol: a writer runs once to measure
 * and once more to write, so a short buffer is never half-filled. */
#ifndef TRM_TEXT_PRIVATE_H
#define TRM_TEXT_PRIVATE_H

#include <stddef.h>

#include "common-private.h"

/* Appends while it has room (keeping one byte for the NUL) and always counts. */
typedef struct trm__text {
    char *buf;  /* NULL while measuring */
    size_t cap;
    size_t len; /* bytes produced so far, excluding the NUL */
} trm__text;

void trm__text_put(trm__text *t, const char *text, size_t len);
void trm__text_printf(trm__text *t, const char *fmt, ...) TRM_PRINTF(2, 3);

typedef void (*trm__text_writer)(trm__text *t, const void *context);

/* Runs write(context) to measure; *size = bytes needed including the NUL; a
 * NULL or short buf gives TRM_E_BUFFER against func, else the text is written
 * and NUL-terminated. */
int trm__text_deliver(const char *func, trm__text_writer write, const void *context, char *buf,
                      size_t cap, size_t *size);

#endif /* TRM_TEXT_PRIVATE_H */
