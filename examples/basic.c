/* SPDX-License-Identifier: MIT */
/* The README example: count a few predictions, print macro F1 and the report. */
#include <stdio.h>
#include <stdlib.h>

#include <trainmetrics/trainmetrics.h>

int main(void)
{
    const int32_t y_true[] = { 0, 1, 2, 2, 1, 0, 2, 1, 0, 2 };
    const int32_t y_pred[] = { 0, 2, 2, 2, 1, 0, 1, 1, 1, 2 };
    trm_confusion *cm = NULL;
    char report[1024];
    size_t size;
    double f1;

    if (trm_confusion_new(&cm, 3, 0, NULL) != TRM_OK ||
        trm_confusion_update_i32(cm, y_true, y_pred, 10) != TRM_OK ||
        trm_metric_average(cm, TRM_F1, TRM_AVERAGE_MACRO, TRM_ZERO_DIVISION_ZERO, &f1) != TRM_OK ||
        trm_classification_report(cm, NULL, 2, report, sizeof report, &size) != TRM_OK) {
        fprintf(stderr, "trainmetrics: %s\n", trm_last_error());
        trm_confusion_free(cm);
        return EXIT_FAILURE;
    }
    printf("macro F1 = %.3f\n\n%s", f1, report);
    trm_confusion_free(cm);
    return EXIT_SUCCESS;
}
