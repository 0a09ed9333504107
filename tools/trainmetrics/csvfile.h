/* SPDX-License-Identifier: MIT */
/* Streaming CSV records through libcsv, with the line of each record. */
#ifndef TRAINMETRICS_CSVFILE_H
#define TRAINMETRICS_CSVFILE_H

#include <stddef.h>

/* One record; fields are NUL-terminated and valid only during the callback. */
struct csv_record {
    size_t line;     /* physical line where the record ends, from 1 */
    size_t n_fields; /* equal to the header's count for every record after it */
    char **fields;
};

/* Returns 0 to go on, or an exit code (already reported) to stop the read. */
typedef int (*csv_record_fn)(void *ctx, const struct csv_record *record);

/* Calls fn for every record of the file, the header first; blank lines are
 * skipped. A record with another field count than the header, a malformed
 * quote or a file without a header fails with 65 and "file:line:column". The
 * file is read in blocks, so memory does not grow with its size; a progress
 * bar is drawn when stderr is a terminal. Returns 0 or the exit code. */
int csv_read_file(const char *path, csv_record_fn fn, void *ctx);

#endif
