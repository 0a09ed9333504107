/* SPDX-License-Identifier: MIT */
/*
 * quickstart: evaluate a classifier from a file of predictions.
 *
 *     quickstart [predictions.csv [classes.txt]]
 *
 * predictions.csv has a header line "y_true,y_pred" and then one pair of integer
 * class ids per line; classes.txt names the classes, one per line, in id order.
 * Without arguments the bundled land-cover data in examples/data is used.
 *
 * The pairs are streamed into a trm_confusion in batches of 256, as a training
 * loop would feed it one mini-batch at a time, then the program prints the
 * classification report, the row-normalized confusion matrix and a few scalar
 * metrics. Every trainmetrics call is checked; on failure the status name and
 * the thread's error detail (trm_last_error()) are printed.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <trainmetrics/trainmetrics.h>

#ifndef TRM_EXAMPLE_DATADIR
#define TRM_EXAMPLE_DATADIR "examples/data"
#endif

#define BATCH 256
#define MAX_CLASSES 1024
#define MAX_LINE 4096

/* Prints "what: status (detail)" and returns 0 unless rc is TRM_OK. */
static int check(int rc, const char *what)
{
    if (rc == TRM_OK)
        return 1;
    fprintf(stderr, "quickstart: %s failed: %s (%s)\n", what, trm_strerror(rc), trm_last_error());
    return 0;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Reads one non-empty name per line; returns the count, 0 on error. */
static size_t read_class_names(const char *path, char ***out)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "quickstart: cannot open %s: %s\n", path, strerror(errno));
        return 0;
    }
    char **names = calloc(MAX_CLASSES, sizeof *names);
    char line[MAX_LINE];
    size_t n = 0;
    unsigned long lineno = 0;
    int ok = names != NULL;
    while (ok && fgets(line, sizeof line, f) != NULL) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0')
            continue;
        if (n == MAX_CLASSES) {
            fprintf(stderr, "quickstart: %s:%lu: more than %d classes\n", path, lineno, MAX_CLASSES);
            ok = 0;
        } else if ((names[n] = malloc(strlen(line) + 1)) == NULL) {
            ok = 0;
        } else {
            strcpy(names[n++], line);
        }
    }
    if (ok && ferror(f)) {
        fprintf(stderr, "quickstart: error reading %s\n", path);
        ok = 0;
    }
    fclose(f);
    if (ok && n == 0) {
        fprintf(stderr, "quickstart: %s names no classes\n", path);
        ok = 0;
    }
    if (!ok) {
        if (names != NULL)
            free_names(names, n);
        return 0;
    }
    *out = names;
    return n;
}

/* Parses a decimal int32 field ending at `end_char`; returns the end pointer or NULL. */
static const char *parse_label(const char *s, char end_char, int32_t *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || errno != 0 || v < INT32_MIN || v > INT32_MAX || *end != end_char)
        return NULL;
    *out = (int32_t)v;
    return end;
}

/* Streams the CSV into cm in batches of BATCH pairs; returns the pair count, or
 * -1 on a read, parse or trainmetrics error. */
static long long accumulate(const char *path, trm_confusion *cm)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "quickstart: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    int32_t y_true[BATCH], y_pred[BATCH];
    size_t fill = 0;
    long long pairs = 0;
    unsigned long lineno = 0;
    char line[MAX_LINE];
    int ok = 1;
    while (ok && fgets(line, sizeof line, f) != NULL) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (lineno == 1) {
            if (strcmp(line, "y_true,y_pred") != 0) {
                fprintf(stderr, "quickstart: %s:1: expected the header \"y_true,y_pred\"\n", path);
                ok = 0;
            }
            continue;
        }
        if (line[0] == '\0')
            continue;
        const char *comma = parse_label(line, ',', &y_true[fill]);
        if (comma == NULL || parse_label(comma + 1, '\0', &y_pred[fill]) == NULL) {
            fprintf(stderr, "quickstart: %s:%lu: expected two integers, got \"%s\"\n", path, lineno, line);
            ok = 0;
            continue;
        }
        pairs++;
        if (++fill == BATCH) {
            /* A bad label rejects the whole batch and leaves the matrix unchanged. */
            ok = check(trm_confusion_update_i32(cm, y_true, y_pred, fill), "trm_confusion_update_i32");
            fill = 0;
        }
    }
    if (ok && ferror(f)) {
        fprintf(stderr, "quickstart: error reading %s\n", path);
        ok = 0;
    }
    if (ok && pairs == 0) {
        fprintf(stderr, "quickstart: %s holds no predictions\n", path);
        ok = 0;
    }
    if (ok && fill > 0)
        ok = check(trm_confusion_update_i32(cm, y_true, y_pred, fill), "trm_confusion_update_i32");
    fclose(f);
    return ok ? pairs : -1;
}

static int print_report(const trm_confusion *cm, char **names)
{
    size_t size = 0;
    /* A NULL buffer asks for the size; TRM_E_BUFFER is the expected answer. */
    int rc = trm_classification_report(cm, (const char *const *)names, 3, NULL, 0, &size);
    if (rc != TRM_E_BUFFER) {
        if (rc == TRM_OK)
            fprintf(stderr, "quickstart: the report size query unexpectedly succeeded\n");
        else
            check(rc, "trm_classification_report (size query)");
        return 0;
    }
    char *report = malloc(size);
    if (report == NULL) {
        fprintf(stderr, "quickstart: out of memory\n");
        return 0;
    }
    int ok = check(trm_classification_report(cm, (const char *const *)names, 3, report, size, &size),
                   "trm_classification_report");
    if (ok)
        printf("Classification report\n\n%s\n", report);
    free(report);
    return ok;
}

/* Row-normalized matrix: row = true class, each row sums to 1 (the recalls on
 * the diagonal). */
static int print_normalized(const trm_confusion *cm, char **names, size_t k)
{
    double *m = malloc(k * k * sizeof *m);
    if (m == NULL) {
        fprintf(stderr, "quickstart: out of memory\n");
        return 0;
    }
    if (!check(trm_confusion_matrix(cm, TRM_NORMALIZE_TRUE, m), "trm_confusion_matrix")) {
        free(m);
        return 0;
    }
    int width = (int)strlen("true \\ pred");
    int cell = 6; /* "0.000" plus a space */
    for (size_t i = 0; i < k; i++) {
        int w = (int)strlen(names[i]);
        if (w > width)
            width = w;
        if (w + 1 > cell)
            cell = w + 1;
    }
    printf("Confusion matrix normalized over the true classes\n\n%-*s", width, "true \\ pred");
    for (size_t j = 0; j < k; j++)
        printf("%*s", cell, names[j]);
    printf("\n");
    for (size_t i = 0; i < k; i++) {
        printf("%-*s", width, names[i]);
        for (size_t j = 0; j < k; j++)
            printf("%*.3f", cell, m[i * k + j]);
        printf("\n");
    }
    printf("\n");
    free(m);
    return 1;
}

static int print_scalars(const trm_confusion *cm)
{
    double accuracy, balanced, kappa, mcc;
    if (!check(trm_accuracy(cm, &accuracy), "trm_accuracy") ||
        !check(trm_balanced_accuracy(cm, 0, &balanced), "trm_balanced_accuracy") ||
        !check(trm_cohen_kappa(cm, TRM_KAPPA_NONE, &kappa), "trm_cohen_kappa") ||
        !check(trm_matthews_corrcoef(cm, &mcc), "trm_matthews_corrcoef"))
        return 0;
    printf("accuracy            %.4f\n", accuracy);
    printf("balanced accuracy   %.4f\n", balanced);
    printf("Cohen's kappa       %.4f\n", kappa);
    printf("Matthews corrcoef   %.4f\n", mcc);
    return 1;
}

int main(int argc, char **argv)
{
    const char *predictions = argc > 1 ? argv[1] : TRM_EXAMPLE_DATADIR "/predictions.csv";
    const char *classes = argc > 2 ? argv[2] : TRM_EXAMPLE_DATADIR "/classes.txt";
    if (argc > 3 || (argc > 1 && argv[1][0] == '-')) {
        fprintf(stderr, "usage: %s [predictions.csv [classes.txt]]\n", argv[0]);
        return 2;
    }
    printf("trainmetrics %s (headers %s)\n\n", trm_version_string(), TRM_VERSION_STRING);

    char **names = NULL;
    size_t k = read_class_names(classes, &names);
    if (k == 0)
        return EXIT_FAILURE;

    trm_confusion *cm = NULL;
    int ok = check(trm_confusion_new(&cm, k, 0, NULL), "trm_confusion_new");
    long long pairs = ok ? accumulate(predictions, cm) : -1;
    ok = pairs >= 0;

    /* The matrix must hold exactly the pairs that were read. */
    double total = 0.0;
    if (ok && (ok = check(trm_confusion_total(cm, &total), "trm_confusion_total")) && total != (double)pairs) {
        fprintf(stderr, "quickstart: the matrix holds %.0f pairs, %lld were read\n", total, pairs);
        ok = 0;
    }
    if (ok)
        printf("%lld predictions of %zu classes from %s\n\n", pairs, k, predictions);

    ok = ok && print_report(cm, names) && print_normalized(cm, names, k) && print_scalars(cm);

    trm_confusion_free(cm);
    free_names(names, k);
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
