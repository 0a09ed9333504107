/* SPDX-License-Identifier: MIT */
/* A run directory's manifest, run.conf: "key = value" lines, '#' comments. */
#ifndef TRAINMETRICS_RUNCONF_H
#define TRAINMETRICS_RUNCONF_H

#include "cli.h"

struct run {
    char *dir;
    char *manifest;        /* dir/run.conf, for messages */
    struct strings keys, values;
    size_t *lines;         /* line of each key */
};

/* Fails with 66 when there is no run.conf, 65 for a line without '=' or a
 * key given twice. */
int run_load(struct run *r, const char *dir);
void run_free(struct run *r);
const char *run_get(const struct run *r, const char *key);
/* The line of a key, for messages; 1 when it is absent. */
size_t run_line(const struct run *r, const char *key);
/* dir/value of a key naming a file, or NULL when the key is absent. */
char *run_path(const struct run *r, const char *key);
/* The same for a key the page cannot do without: 65 naming the key. */
int run_require(const struct run *r, const char *key, char **path);

#endif
