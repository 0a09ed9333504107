/* SPDX-License-Identifier: MIT */
/* The serialized-state envelope shared by every handle type.
 *
 * Layout, all integers little-endian:
 *   offset 0   "TRMB"                      magic
 *   offset 4   u16 format version           TRM__BLOB_FORMAT, or a later one of
 *                                           a kind whose body grew fields
 *   offset 6   u16 kind                     which handle type the body describes
 *   offset 8   body                         kind-specific, fixed fields then arrays
 *   size - 4   u32 CRC-32C of bytes [0, size - 4)
 *
 * Readers never trust a length: the body reader fails once it would read past
 * the end, and each kind checks that its body is consumed exactly. */
#ifndef TRM_CODEC_PRIVATE_H
#define TRM_CODEC_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { TRM__BLOB_FORMAT = 1 };
/* One kind per serializable handle type; a value never changes meaning. */
enum {
    TRM__KIND_CONFUSION = 1,
    TRM__KIND_TOPK = 2,
    TRM__KIND_MULTILABEL = 3,
    TRM__KIND_REGRESSION = 4,
    TRM__KIND_OVERFIT = 5,
    TRM__KIND_LOSS = 6,
    TRM__KIND_CALIBRATION = 7,
    TRM__KIND_RANKING = 8,
    TRM__KIND_SPARSE_CONFUSION = 9
};

/* Header and CRC around the body. */
#define TRM__BLOB_OVERHEAD ((size_t)12)

uint32_t trm__crc32c(const uint8_t *data, size_t size);

/* The size protocol of every trm_X_serialize: *size = body + envelope; a NULL
 * or short buffer gives TRM_E_BUFFER (reported against func), nothing written. */
int trm__blob_reserve(const char *func, size_t body, uint8_t *buf, size_t cap, size_t *size);

/* Sequential little-endian writer into a buffer already known to be large enough. */
typedef struct trm__writer {
    uint8_t *at;
} trm__writer;

trm__writer trm__blob_begin(uint8_t *buf, uint16_t kind);
/* The same with the body's format version, for a kind whose body has grown
 * fields since TRM__BLOB_FORMAT: readers keep loading the older bodies. */
trm__writer trm__blob_begin_format(uint8_t *buf, uint16_t kind, uint16_t format);
void trm__put_u32(trm__writer *w, uint32_t v);
void trm__put_u64(trm__writer *w, uint64_t v);
void trm__put_f64(trm__writer *w, double v);
/* Appends the CRC of everything from buf to w->at. */
void trm__blob_seal(trm__writer *w, uint8_t *buf);

/* Bounds-checked reader over a body; `ok` turns false at the first short read
 * and every later read returns 0. */
typedef struct trm__reader {
    const uint8_t *at;
    size_t left;
    bool ok;
} trm__reader;

/* Checks magic, version, kind and CRC; on success *body covers the body only.
 * Failures are reported against `func`. */
int trm__blob_open(const char *func, const uint8_t *buf, size_t size, uint16_t kind,
                   trm__reader *body);
/* The same for a kind whose body has grown: accepts format versions
 * TRM__BLOB_FORMAT .. newest and reports the blob's in *format. */
int trm__blob_open_format(const char *func, const uint8_t *buf, size_t size, uint16_t kind,
                          uint16_t newest, uint16_t *format, trm__reader *body);
uint32_t trm__get_u32(trm__reader *r);
uint64_t trm__get_u64(trm__reader *r);
double trm__get_f64(trm__reader *r);

#endif /* TRM_CODEC_PRIVATE_H */
