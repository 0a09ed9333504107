// SPDX-License-Identifier: MIT
// A C++11 program that includes the public headers and links against the C
// library: it fails to link if a declaration loses its extern "C" block.
#include <trainmetrics/trainmetrics.h>

#include <cstdio>
#include <cstring>

int main()
{
    if (trm_version_number() != TRM_VERSION_NUMBER ||
        std::strcmp(trm_version_string(), TRM_VERSION_STRING) != 0) {
        std::fprintf(stderr, "header version %s, library version %s\n", TRM_VERSION_STRING,
                     trm_version_string());
        return 1;
    }
    trm_confusion *cm = nullptr;
    const int32_t y_true[] = { 0, 1, 1 };
    const int32_t y_pred[] = { 0, 1, 0 };
    double accuracy = 0.0;
    int rc = trm_confusion_new(&cm, 2, 0, nullptr);
    if (rc == TRM_OK)
        rc = trm_confusion_update_i32(cm, y_true, y_pred, 3);
    if (rc == TRM_OK)
        rc = trm_accuracy(cm, &accuracy);
    trm_confusion_free(cm);
    if (rc != TRM_OK) {
        std::fprintf(stderr, "%s: %s\n", trm_strerror(rc), trm_last_error());
        return 1;
    }
    if (accuracy * 3.0 < 1.999 || accuracy * 3.0 > 2.001) {
        std::fprintf(stderr, "accuracy %g, expected 2/3\n", accuracy);
        return 1;
    }
    return 0;
}
