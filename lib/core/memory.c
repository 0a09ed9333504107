/* SPDX-License-Identifier: MIT */
/* The allocator hooks: a handle copies the caller's trm_allocator, or zeroes it
 * to mean malloc/free. */
#include "fp-private.h"
#include <stdlib.h>
#include <string.h>

#include "common-private.h"

int trm__allocator_copy(const char *func, trm_allocator *dst, const trm_allocator *src)
{
    if (src == NULL) {
        *dst = (trm_allocator){ NULL, NULL, NULL };
        return TRM_OK;
    }
    if (src->alloc == NULL || src->free == NULL)
        return trm__fail(TRM_E_INVALID, func, "allocator has a NULL alloc or free hook");
    *dst = *src;
    return TRM_OK;
}

void *trm__alloc(const trm_allocator *a, size_t size)
{
    return a->alloc ? a->alloc(a->opaque, size) : malloc(size);
}

/* calloc lets the kernel hand out already-zero pages for large matrices. */
void *trm__alloc_zeroed(const trm_allocator *a, size_t size)
{
    if (a->alloc == NULL)
        return calloc(1, size);
    void *p = a->alloc(a->opaque, size);
    if (p != NULL)
        memset(p, 0, size);
    return p;
}

void trm__free(const trm_allocator *a, void *ptr)
{
    if (ptr == NULL)
        return;
    if (a->free)
        a->free(a->opaque, ptr);
    else
        free(ptr);
}
