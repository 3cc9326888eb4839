// Optimizer::step is all or nothing, fused expert gradients included (the promise of
// Session::trainStep: a NaN or infinite value leaves the weights and optimizer state as they
// were). An expert bank hands its weight gradients to the optimizer (fused with Adam); a
// non-finite gradient anywhere, in another parameter or in the experts' own, must stop the
// whole step before any weight, moment or the step count changes. Runs on every backend.
#include <QtTest>

#include <cmath>
#include <limits>
#include <vector>

#include "compute/backend_factory.h"
#include "tests/core/optimizer_rig.h"

using namespace moe;
using namespace moe::core;
using testing::kRigIn, testing::kRigOut, testing::kRigRows, testing::normalVec;

namespace {

const std::vector<int> kOffsets{0, 3, 3, 7, 10};  // expert 1 gets no rows
constexpr float kInf = std::numeric_limits<float>::infinity();

/** The bank plus one more parameter (standing in for the router or a stem), trained by one
 *  Adam optimizer that fuses the experts' weight gradients when `fused`. */
struct Rig : testing::OptimizerRig {
  Rig(compute::Backend& backend, bool fused) : OptimizerRig(backend) {
    other = makeParameter(be, "other", 3, 4, 0.5f, rng);
    params.push_back(&other);
    OptimConfig oc;
    oc.lr = 0.01;
    attach(oc, fused);
  }

  /** Forward and backward on the given inputs; `otherGrad` becomes the other gradient. */
  void backward(const std::vector<float>& xv, const std::vector<float>& dyv,
                const std::vector<float>& otherGrad) {
    forwardBackward(xv, dyv, kOffsets);
    be.write(other.grad, std::span<const float>(otherGrad));
  }

  Parameter other;
};

std::vector<float> inputs() { return normalVec(kRigRows * kRigIn, 1); }
std::vector<float> outputGrads() { return normalVec(kRigRows * kRigOut, 2, 0.1f); }
std::vector<float> otherGrad() { return normalVec(12, 3); }

}  // namespace

class TestOptimizerStep : public QObject {
  Q_OBJECT

  std::unique_ptr<compute::Backend> backend(const QString& spec) {
    compute::BackendChoice c = compute::createBackend(spec.toStdString(), 2);
    if (c.fellBack) return nullptr;
    return std::move(c.backend);
  }

 private Q_SLOTS:
  void refusedStepChangesNothing_data() {
    QTest::addColumn<QString>("backend");
    QTest::addColumn<QString>("where");  // which gradient is not finite
    for (const char* b : {"cpu", "opencl"})
      for (const char* w : {"other parameter", "expert output gradient", "expert input"})
        QTest::addRow("%s, %s", b, w) << b << w;
  }
  void refusedStepChangesNothing() {
    QFETCH(QString, backend);
    QFETCH(QString, where);
    auto be = this->backend(backend);
    if (!be) QSKIP("no usable OpenCL device");
    Rig rig(*be, true);
    // One healthy step first, so the moments are not all zero.
    rig.backward(inputs(), outputGrads(), otherGrad());
    QVERIFY(std::isfinite(rig.optimizer->step()));
    auto x = inputs(), dy = outputGrads(), g = otherGrad();
    if (where == "other parameter") g[5] = kInf;  // the experts' own gradients stay finite
    if (where == "expert output gradient") dy[4] = std::nanf("");
    if (where == "expert input") x[kRigIn * 8 + 2] = kInf;  // a row of the last expert
    rig.backward(x, dy, g);
    const auto before = rig.snapshot();
    QVERIFY(!std::isfinite(rig.optimizer->step()));
    QCOMPARE(rig.optimizer->steps(), 1L);
    QVERIFY(rig.snapshot() == before);  // bit-identical weights, moments and velocities
    // The refused step left nothing pending: the next healthy step applies normally.
    rig.backward(inputs(), outputGrads(), otherGrad());
    QVERIFY(std::isfinite(rig.optimizer->step()));
    QCOMPARE(rig.optimizer->steps(), 2L);
    QVERIFY(rig.snapshot() != before);
  }

  // Fusing changes where the experts' gradient is computed, not the result: fused and unfused
  // optimizers agree after a few steps (the fused kernel rounds its product differently).
  void fusedMatchesUnfused_data() {
    QTest::addColumn<QString>("backend");
    QTest::newRow("cpu") << "cpu";
    QTest::newRow("opencl") << "opencl";
  }
  void fusedMatchesUnfused() {
    QFETCH(QString, backend);
    auto be = this->backend(backend);
    if (!be) QSKIP("no usable OpenCL device");
    Rig fused(*be, true), plain(*be, false);
    for (int step = 0; step < 3; ++step)
      for (Rig* r : {&fused, &plain}) {
        r->backward(normalVec(kRigRows * kRigIn, 10 + step),
                    normalVec(kRigRows * kRigOut, 20 + step, 0.1f),
                    otherGrad());
        QVERIFY(std::isfinite(r->optimizer->step()));
      }
    const auto a = fused.snapshot(), b = plain.snapshot();
    QCOMPARE(a.size(), b.size());
    for (std::size_t t = 0; t < a.size(); ++t)
      for (std::size_t i = 0; i < a[t].size(); ++i)
        QVERIFY2(std::fabs(a[t][i] - b[t][i]) <= 1e-6f + 1e-5f * std::fabs(b[t][i]),
                 qPrintable(QString("tensor %1 element %2: fused %3, unfused %4")
                                .arg(t)
                                .arg(i)
                                .arg(a[t][i])
                                .arg(b[t][i])));
  }

  // Inputs too large for the cheap finiteness bound (their squares overflow) but a finite
  // gradient: the optimizer writes that gradient out and applies it exactly as an unfused
  // optimizer does, bit for bit, instead of refusing a healthy step.
  void hugeInputsWithFiniteGradientStillStep() {
    compute::BackendChoice c = compute::createBackend("cpu", 2);
    auto x = inputs(), dy = outputGrads();
    for (int j = 0; j < kRigIn; ++j) x[std::size_t(j)] = 1e20f;   // row 0: squares overflow
    for (int j = 0; j < kRigOut; ++j) dy[std::size_t(j)] = 0.0f;  // ...and it has no gradient
    Rig fused(*c.backend, true), plain(*c.backend, false);
    for (Rig* r : {&fused, &plain}) {
      r->backward(x, dy, otherGrad());
      QVERIFY(std::isfinite(r->optimizer->step()));
    }
    QVERIFY(fused.snapshot() == plain.snapshot());
  }
};

QTEST_GUILESS_MAIN(TestOptimizerStep)
#include "test_optimizer_step.moc"
