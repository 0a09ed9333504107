// SPDX-License-Identifier: MIT
// trainmetrics from C++: each handle owned by a std::unique_ptr whose deleter
// is the library's own _free function, and a status other than TRM_OK turned
// into an exception carrying trm_last_error(). Expected values are worked out
// by hand in the comments.
#include <trainmetrics/trainmetrics.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace trmxx {

// One owning pointer type per handle; the deleter is the C function itself
// (every trm_*_free accepts NULL, as unique_ptr may call it with nothing).
using confusion_ptr = std::unique_ptr<trm_confusion, decltype(&trm_confusion_free)>;
using regression_ptr = std::unique_ptr<trm_regression, decltype(&trm_regression_free)>;

struct error : std::runtime_error {
    int status;
    error(int s, const char *call)
        : std::runtime_error(std::string(call) + ": " + trm_strerror(s) + " (" + trm_last_error() + ")"), status(s)
    {
    }
};

inline void check(int status, const char *call)
{
    if (status != TRM_OK)
        throw error(status, call);
}

inline confusion_ptr make_confusion(std::size_t n_classes, std::uint32_t flags = 0)
{
    trm_confusion *raw = nullptr;
    check(trm_confusion_new(&raw, n_classes, flags, nullptr), "trm_confusion_new");
    return confusion_ptr(raw, &trm_confusion_free);
}

inline confusion_ptr clone(const confusion_ptr &cm)
{
    trm_confusion *raw = nullptr;
    check(trm_confusion_clone(&raw, cm.get()), "trm_confusion_clone");
    return confusion_ptr(raw, &trm_confusion_free);
}

inline regression_ptr make_regression(std::size_t n_outputs)
{
    trm_regression *raw = nullptr;
    check(trm_regression_new(&raw, n_outputs, nullptr), "trm_regression_new");
    return regression_ptr(raw, &trm_regression_free);
}

} // namespace trmxx

static int failures;

static void expect(const char *what, double got, double want)
{
    bool ok = std::fabs(got - want) <= 1e-12;
    std::printf("%s %s = %.6f (expected %.6f)\n", ok ? "ok  " : "FAIL", what, got, want);
    failures += !ok;
}

int main()
{
    try {
        // y_true 0 0 1 1 2 2 2, y_pred 0 1 1 1 2 0 2: 5 of 7 right;
        // precision per class 1/2, 2/3, 1; F1 per class 1/2, 4/5, 4/5.
        const std::vector<std::int32_t> y_true{0, 0, 1, 1, 2, 2, 2}, y_pred{0, 1, 1, 1, 2, 0, 2};
        trmxx::confusion_ptr cm = trmxx::make_confusion(3);
        trmxx::check(trm_confusion_update_i32(cm.get(), y_true.data(), y_pred.data(), y_true.size()),
                  "trm_confusion_update_i32");
        double value = 0;
        trmxx::check(trm_accuracy(cm.get(), &value), "trm_accuracy");
        expect("accuracy", value, 5.0 / 7.0);
        std::vector<double> f1(3);
        trmxx::check(trm_metric_per_class(cm.get(), TRM_F1, TRM_ZERO_DIVISION_ZERO, f1.data()), "trm_metric_per_class");
        expect("f1[0]", f1[0], 0.5);
        expect("f1[1]", f1[1], 0.8);
        expect("f1[2]", f1[2], 0.8);

        // A clone is independent: more data in the copy leaves the original alone.
        trmxx::confusion_ptr copy = trmxx::clone(cm);
        const std::int32_t one[] = {1};
        trmxx::check(trm_confusion_update_i32(copy.get(), one, one, 1), "trm_confusion_update_i32");
        trmxx::check(trm_accuracy(copy.get(), &value), "trm_accuracy");
        expect("clone accuracy", value, 6.0 / 8.0);
        trmxx::check(trm_accuracy(cm.get(), &value), "trm_accuracy");
        expect("original accuracy", value, 5.0 / 7.0);

        // Errors arrive as exceptions with the library's text; nothing leaks
        // on the way out, since every handle is owned.
        try {
            const std::int32_t bad[] = {7};
            trmxx::check(trm_confusion_update_i32(cm.get(), bad, bad, 1), "trm_confusion_update_i32");
            std::printf("FAIL label 7 of 3 classes accepted\n");
            failures++;
        } catch (const trmxx::error &e) {
            bool ok = e.status == TRM_E_LABEL;
            std::printf("%s label 7 refused: %s\n", ok ? "ok  " : "FAIL", e.what());
            failures += !ok;
        }

        // Regression errors of two outputs: errors (1, -2) and (-1, 0):
        // MAE per output 1 and 1, MSE 1 and 2.
        trmxx::regression_ptr reg = trmxx::make_regression(2);
        const double truth[] = {0, 0, 2, 1}, pred[] = {1, -2, 1, 1};
        trmxx::check(trm_regression_update_f64(reg.get(), truth, pred, 2), "trm_regression_update_f64");
        double mse[2];
        trmxx::check(trm_regression_per_output(reg.get(), TRM_MSE, mse), "trm_regression_per_output");
        expect("mse[0]", mse[0], 1.0);
        expect("mse[1]", mse[1], 2.0);
    } catch (const std::exception &e) {
        std::printf("FAIL %s\n", e.what());
        return 1;
    }
    std::printf("%d passed, %d failed\n", failures ? 0 : 1, failures ? 1 : 0);
    return failures ? 1 : 0;
}
