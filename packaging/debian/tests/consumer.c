/* SPDX-License-Identifier: MIT */
/* A program built against the installed libtrainmetrics-dev with pkg-config
 * only. Every expected value is worked out by hand in the comments. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <trainmetrics/trainmetrics.h>

static int failures;

static void expect(const char *what, double got, double want)
{
    if (!(fabs(got - want) <= 1e-12)) {
        printf("FAIL %s: got %.17g, expected %.17g\n", what, got, want);
        failures++;
    } else {
        printf("ok   %s = %.6f\n", what, got);
    }
}

#define CHECK(call)                                                                       \
    do {                                                                                  \
        int status_ = (call);                                                             \
        if (status_ != TRM_OK) {                                                          \
            printf("FAIL %s: %s (%s)\n", #call, trm_strerror(status_), trm_last_error()); \
            return 1;                                                                     \
        }                                                                                 \
    } while (0)

int main(void)
{
    /* y_true 0 0 1 1 2 2 2, y_pred 0 1 1 1 2 0 2:
     *            pred 0  1  2
     *   true 0 [    1  1  0 ]
     *   true 1 [    0  2  0 ]
     *   true 2 [    1  0  2 ]   5 of 7 right. */
    const int32_t y_true[] = {0, 0, 1, 1, 2, 2, 2};
    const int32_t y_pred[] = {0, 1, 1, 1, 2, 0, 2};
    const uint64_t want_counts[9] = {1, 1, 0, 0, 2, 0, 1, 0, 2};
    trm_confusion *cm = NULL, *copy = NULL;
    uint64_t counts[9];
    double value, per_class[3];
    uint8_t blob[4096];
    size_t size = 0;

    printf("trainmetrics %s (header %s)\n", trm_version_string(), TRM_VERSION_STRING);
    if (trm_version_number() / 10000 != TRM_VERSION_MAJOR) {
        printf("FAIL: library major version differs from the header's\n");
        return 1;
    }

    CHECK(trm_confusion_new(&cm, 3, 0, NULL));
    CHECK(trm_confusion_update_i32(cm, y_true, y_pred, 7));
    CHECK(trm_confusion_counts(cm, counts));
    for (int i = 0; i < 9; i++)
        expect("count", (double)counts[i], (double)want_counts[i]);

    CHECK(trm_accuracy(cm, &value));
    expect("accuracy", value, 5.0 / 7.0);
    /* precision: column sums 2, 3, 2 -> 1/2, 2/3, 2/2 */
    CHECK(trm_metric_per_class(cm, TRM_PRECISION, TRM_ZERO_DIVISION_ZERO, per_class));
    expect("precision[0]", per_class[0], 0.5);
    expect("precision[1]", per_class[1], 2.0 / 3.0);
    expect("precision[2]", per_class[2], 1.0);
    /* recall: row sums 2, 2, 3 -> 1/2, 2/2, 2/3; macro = (1/2 + 1 + 2/3) / 3 = 13/18 */
    CHECK(trm_metric_average(cm, TRM_RECALL, TRM_AVERAGE_MACRO, TRM_ZERO_DIVISION_ZERO, &value));
    expect("macro recall", value, 13.0 / 18.0);

    /* A serialized copy merged into the original doubles every count. */
    CHECK(trm_confusion_serialize(cm, blob, sizeof blob, &size));
    CHECK(trm_confusion_deserialize(&copy, blob, size, NULL));
    CHECK(trm_confusion_merge(cm, copy));
    CHECK(trm_confusion_counts(cm, counts));
    expect("merged count[4]", (double)counts[4], 4.0);
    CHECK(trm_accuracy(cm, &value));
    expect("merged accuracy", value, 10.0 / 14.0);

    trm_confusion_free(copy);
    trm_confusion_free(cm);
    printf("%d passed, %d failed\n", failures ? 0 : 1, failures ? 1 : 0);
    return failures ? 1 : 0;
}
