/* SPDX-License-Identifier: MIT */
/* trainmetrics report and trainmetrics curves: text or JSON on stdout or -o. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "curves.h"
#include "predictions.h"
#include "summary.h"

/* Output to stdout, or whole to a file. */
struct output {
    struct outfile file;
    FILE *fp;
};

static int output_open(struct output *o, const char *path)
{
    *o = (struct output){ .fp = stdout };
    if (!path)
        return 0;
    int status = outfile_open(&o->file, path);
    o->fp = o->file.fp;
    return status;
}

static int output_close(struct output *o, int status)
{
    if (o->fp == stdout)
        return status ? status : (fflush(stdout) == 0 ? 0 : fail(EXIT_IO, "stdout: write failed"));
    if (status) {
        outfile_abort(&o->file);
        return status;
    }
    return outfile_commit(&o->file);
}

static bool parse_count(const char *text, long low, long high, long *out)
{
    long long v;
    if (!parse_long(text, &v) || v < low || v > high)
        return false;
    *out = (long)v;
    return true;
}

static void split_commas(struct strings *s, const char *list)
{
    char *copy = xstrdup(list), *save = NULL;
    for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save))
        strings_add(s, item);
    free(copy);
}

int command_report(int argc, char **argv)
{
    enum { TRUE_NPY = 256, PRED_NPY, SCORES_NPY, SCORES_PREFIX, DIGITS, TOP, JSON };
    static const struct option options[] = {
        { "true", required_argument, NULL, 't' },
        { "pred", required_argument, NULL, 'p' },
        { "scores", required_argument, NULL, 's' },
        { "scores-prefix", required_argument, NULL, SCORES_PREFIX },
        { "classes", required_argument, NULL, 'c' },
        { "true-npy", required_argument, NULL, TRUE_NPY },
        { "pred-npy", required_argument, NULL, PRED_NPY },
        { "scores-npy", required_argument, NULL, SCORES_NPY },
        { "digits", required_argument, NULL, DIGITS },
        { "top", required_argument, NULL, TOP },
        { "json", no_argument, NULL, JSON },
        { "output", required_argument, NULL, 'o' },
        { 0 },
    };
    struct predictions_source src = { 0 };
    const char *classes_path = NULL, *output_path = NULL;
    long digits = 2, top = 5;
    bool json = false;
    int status = 0, opt;
    optind = 1;
    opterr = 0;
    while (!status && (opt = getopt_long(argc, argv, ":t:p:s:c:o:", options, NULL)) != -1) {
        switch (opt) {
        case 't': src.true_column = optarg; break;
        case 'p': src.pred_column = optarg; break;
        case 's':
            split_commas(&src.score_columns, optarg);
            if (!src.score_columns.n)
                status = usage_error("report", "--scores: expected column names, found '%s'", optarg);
            break;
        case SCORES_PREFIX: src.scores_prefix = optarg; break;
        case 'c': classes_path = optarg; break;
        case 'o': output_path = optarg; break;
        case TRUE_NPY: src.npy_true = optarg; break;
        case PRED_NPY: src.npy_pred = optarg; break;
        case SCORES_NPY: src.npy_scores = optarg; break;
        case DIGITS:
            if (!parse_count(optarg, 0, 30, &digits))
                status = usage_error("report", "--digits: expected 0..30, found '%s'", optarg);
            break;
        case TOP:
            if (!parse_count(optarg, 0, 1000000, &top))
                status = usage_error("report", "--top: expected a count, found '%s'", optarg);
            break;
        case JSON: json = true; break;
        case ':': status = usage_error("report", "%s needs a value", argv[optind - 1]); break;
        default: status = usage_error("report", "unknown option '%s'", argv[optind - 1]);
        }
    }
    int choices = (src.pred_column != NULL) + (src.score_columns.n > 0) + (src.scores_prefix != NULL);
    bool npy = src.npy_true || src.npy_pred || src.npy_scores;
    if (status)
        ;
    else if (npy && optind != argc)
        status = usage_error("report", "give either PRED.csv or --true-npy, not both");
    else if (npy && (!src.npy_true || !!src.npy_pred == !!src.npy_scores))
        status = usage_error("report", "--true-npy needs exactly one of --pred-npy and --scores-npy");
    else if (!npy && optind != argc - 1)
        status = usage_error("report", optind == argc ? "expected one PRED.csv" : "expected one PRED.csv, found more");
    else if (choices > 1)
        status = usage_error("report", "--pred, --scores and --scores-prefix exclude each other");
    if (!status && classes_path)
        status = strings_read_lines(&src.classes, classes_path);
    src.csv_path = npy ? NULL : argv[optind];

    trm_confusion *cm = NULL;
    struct strings classes = { 0 };
    uint64_t rows = 0;
    if (!status)
        status = predictions_read(&src, &cm, &classes, &rows);
    struct summary s;
    if (!status && (status = summary_compute(&s, cm, &classes, (int)digits)) == 0) {
        struct output out;
        const char *source = npy ? src.npy_true : src.csv_path;
        if ((status = output_open(&out, output_path)) == 0) {
            if (json)
                status = summary_print_json(&s, out.fp, source, (size_t)top);
            else
                summary_print_text(&s, out.fp, source, (size_t)top);
            status = output_close(&out, status);
        }
        summary_free(&s);
    }
    trm_confusion_free(cm);
    strings_free(&classes);
    strings_free(&src.classes);
    strings_free(&src.score_columns);
    return status;
}

int command_curves(int argc, char **argv)
{
    enum { MONITOR = 256, TRAIN, MODE, PATIENCE, MIN_DELTA, TREND_WINDOW, JSON };
    static const struct option options[] = {
        { "monitor", required_argument, NULL, MONITOR },
        { "train", required_argument, NULL, TRAIN },
        { "mode", required_argument, NULL, MODE },
        { "patience", required_argument, NULL, PATIENCE },
        { "min-delta", required_argument, NULL, MIN_DELTA },
        { "trend-window", required_argument, NULL, TREND_WINDOW },
        { "json", no_argument, NULL, JSON },
        { "output", required_argument, NULL, 'o' },
        { 0 },
    };
    struct curves_options copt = { .mode = -1, .patience = 10 };
    const char *output_path = NULL;
    bool json = false;
    long patience;
    int status = 0, opt;
    optind = 1;
    opterr = 0;
    while (!status && (opt = getopt_long(argc, argv, ":o:", options, NULL)) != -1) {
        switch (opt) {
        case MONITOR: copt.monitor = optarg; break;
        case TRAIN: copt.train = optarg; break;
        case MODE:
            if (strcmp(optarg, "min") == 0 || strcmp(optarg, "max") == 0)
                copt.mode = optarg[1] == 'a' ? TRM_MODE_MAX : TRM_MODE_MIN;
            else
                status = usage_error("curves", "--mode: expected min or max, found '%s'", optarg);
            break;
        case PATIENCE:
            if (parse_count(optarg, 0, 1000000, &patience))
                copt.patience = (unsigned)patience;
            else
                status = usage_error("curves", "--patience: expected a count of epochs, found '%s'", optarg);
            break;
        case TREND_WINDOW:
            if (parse_count(optarg, 4, 1024, &patience))
                copt.trend_window = (unsigned)patience;
            else
                status = usage_error("curves", "--trend-window: expected 4..1024 epochs, found '%s'", optarg);
            break;
        case MIN_DELTA:
            if (!parse_double(optarg, &copt.min_delta) || copt.min_delta < 0)
                status = usage_error("curves", "--min-delta: expected a number >= 0, found '%s'", optarg);
            break;
        case JSON: json = true; break;
        case 'o': output_path = optarg; break;
        case ':': status = usage_error("curves", "%s needs a value", argv[optind - 1]); break;
        default: status = usage_error("curves", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (!status && optind != argc - 1)
        status = usage_error("curves", "expected one LOG.csv");
    if (status)
        return status;
    const char *path = argv[optind];
    struct history h;
    if ((status = history_read(&h, path)) != 0)
        return status;
    struct curves c;
    if ((status = curves_compute(&c, &h, path, &copt)) == 0) {
        struct output out;
        if ((status = output_open(&out, output_path)) == 0) {
            if (json)
                status = curves_print_json(&c, out.fp, path);
            else
                curves_print_text(&c, out.fp, path);
            status = output_close(&out, status);
        }
        curves_free(&c);
    }
    history_free(&h);
    return status;
}
