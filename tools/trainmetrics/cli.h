/* SPDX-License-Identifier: MIT */
/* What the subcommands of the trainmetrics command share: exit codes, the one
 * error a command reports, growable buffers, and the readers' interfaces. */
#ifndef TRAINMETRICS_CLI_H
#define TRAINMETRICS_CLI_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* sysexits.h values, spelled out: the command documents them as its contract. */
enum {
    EXIT_USAGE = 64,   /* bad options or arguments */
    EXIT_DATA = 65,    /* an input file is malformed */
    EXIT_NOINPUT = 66, /* an input file cannot be opened */
    EXIT_SOFT = 70,    /* the library refused something the command checked */
    EXIT_CANTCREAT = 73,
    EXIT_IO = 74
};

/* Prints "trainmetrics: " and the message to stderr; returns the code so a
 * command can `return fail(EXIT_DATA, ...)`. */
int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same for a position in a file: "file:line:column: message". */
int fail_at(int code, const char *file, size_t line, size_t column, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* fopen for reading that refuses directories (66), as a missing file. */
FILE *open_input(const char *path, int *status);
/* A library call failed: the status's name and trm_last_error(). */
int fail_library(int status, const char *what);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* "dir/name", allocated. */
char *path_join(const char *dir, const char *name);
/* Allocation failure is fatal in a command-line tool: exit 70 with a message. */

/* A growable byte string. */
struct buf {
    char *data;
    size_t len, cap;
};
void buf_add(struct buf *b, const void *data, size_t n);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
void buf_free(struct buf *b);
/* Appends text with &, <, >, " and ' escaped for HTML and XML. */
void buf_add_escaped(struct buf *b, const char *text);

/* A list of strings. */
struct strings {
    char **items;
    size_t n, cap;
};
void strings_add(struct strings *s, const char *text);
void strings_free(struct strings *s);
ptrdiff_t strings_find(const struct strings *s, const char *text);
/* Reads one name per non-empty line; fails with 65 on an empty file. */
int strings_read_lines(struct strings *s, const char *path);

/* Output files appear whole or not at all: written to a temporary file in the
 * same directory and renamed over the target by outfile_commit. */
struct outfile {
    FILE *fp;
    char *path, *tmp_path;
};
int outfile_open(struct outfile *o, const char *path);
/* Whether outfile_open would succeed (73 otherwise), creating nothing. */
int outfile_probe(const char *path);
int outfile_commit(struct outfile *o);
void outfile_abort(struct outfile *o);
/* Writes a whole buffer to a path through an outfile. */
int write_file_atomic(const char *path, const void *data, size_t n);

/* Parses a whole field as a finite double / as an integer; false otherwise. */
bool parse_double(const char *text, double *out);
bool parse_long(const char *text, long long *out);

/* Progress on stderr for a long read, only when stderr is a terminal. */
struct progress {
    const char *label;
    uint64_t total, done, last_shown;
    bool enabled;
};
void progress_start(struct progress *p, const char *label, uint64_t total);
void progress_advance(struct progress *p, uint64_t bytes);
void progress_end(struct progress *p);

#endif
