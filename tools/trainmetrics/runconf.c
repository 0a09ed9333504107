/* SPDX-License-Identifier: MIT */
/* run.conf: a flat key = value file, so that a run directory can be written
 * by any script without a JSON or YAML library. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "runconf.h"

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

int run_load(struct run *r, const char *dir)
{
    *r = (struct run){ .dir = xstrdup(dir) };
    r->manifest = path_join(dir, "run.conf");
    int opened;
    FILE *fp = open_input(r->manifest, &opened);
    if (!fp) {
        fprintf(stderr, "trainmetrics: a run directory holds a run.conf manifest\n");
        run_free(r);
        return opened;
    }
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    int status = 0;
    while (!status && getline(&line, &cap, fp) >= 0) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *text = trim(line);
        if (!*text)
            continue;
        char *eq = strchr(text, '=');
        if (!eq || eq == text) {
            status = fail_at(EXIT_DATA, r->manifest, lineno, 1, "expected 'key = value', found '%s'", text);
            break;
        }
        *eq = '\0';
        char *key = trim(text), *value = trim(eq + 1);
        if (strings_find(&r->keys, key) >= 0) {
            status = fail_at(EXIT_DATA, r->manifest, lineno, 1, "expected each key once, found '%s' again", key);
            break;
        }
        strings_add(&r->keys, key);
        strings_add(&r->values, value);
        r->lines = xrealloc(r->lines, r->keys.n * sizeof *r->lines);
        r->lines[r->keys.n - 1] = lineno;
    }
    free(line);
    fclose(fp);
    if (status)
        run_free(r);
    return status;
}

void run_free(struct run *r)
{
    free(r->dir);
    free(r->manifest);
    strings_free(&r->keys);
    strings_free(&r->values);
    free(r->lines);
    *r = (struct run){ 0 };
}

size_t run_line(const struct run *r, const char *key)
{
    ptrdiff_t i = strings_find(&r->keys, key);
    return i >= 0 ? r->lines[i] : 1;
}

const char *run_get(const struct run *r, const char *key)
{
    ptrdiff_t i = strings_find(&r->keys, key);
    return i >= 0 ? r->values.items[i] : NULL;
}

char *run_path(const struct run *r, const char *key)
{
    const char *value = run_get(r, key);
    return value && *value ? path_join(r->dir, value) : NULL;
}

int run_require(const struct run *r, const char *key, char **path)
{
    if ((*path = run_path(r, key)) != NULL)
        return 0;
    return fail(EXIT_DATA, "%s: expected a key '%s' naming a file of the run", r->manifest, key);
}
