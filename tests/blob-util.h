/* SPDX-License-Identifier: MIT */
/* Reading and editing serialized blobs in the tests and fuzz harnesses: a
 * CRC-32C written from its definition (not the library's table), little-endian
 * fields, and resealing an edited blob. No dependency on Check. */
#ifndef TRM_TEST_BLOB_UTIL_H
#define TRM_TEST_BLOB_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Bitwise CRC-32C: reflected polynomial 0x82F63B78, init and xorout 0xFFFFFFFF. */
static inline uint32_t blob_crc32c(const uint8_t *data, size_t size)
{
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < size; i++) {
        crc ^= data[i];
        for (int bit = 0; bit < 8; bit++)
            crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1u)));
    }
    return crc ^ 0xffffffffu;
}

static inline void blob_put_le(uint8_t *at, uint64_t value, size_t bytes)
{
    for (size_t i = 0; i < bytes; i++)
        at[i] = (uint8_t)(value >> (8 * i));
}

static inline uint64_t blob_get_le(const uint8_t *at, size_t bytes)
{
    uint64_t value = 0;
    for (size_t i = 0; i < bytes; i++)
        value |= (uint64_t)at[i] << (8 * i);
    return value;
}

static inline uint64_t blob_bits_of(double value)
{
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    return bits;
}

static inline double blob_get_f64(const uint8_t *at)
{
    uint64_t bits = blob_get_le(at, 8);
    double value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

static inline void blob_put_f64(uint8_t *at, double value)
{
    blob_put_le(at, blob_bits_of(value), 8);
}

/* Rewrites the trailing CRC of a blob of at least 4 bytes, so that a
 * deliberately edited blob is intact. */
static inline void blob_reseal(uint8_t *blob, size_t size)
{
    blob_put_le(blob + size - 4, blob_crc32c(blob, size - 4), 4);
}

#endif /* TRM_TEST_BLOB_UTIL_H */
