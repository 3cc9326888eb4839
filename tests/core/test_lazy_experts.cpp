// Lazy experts (OptimConfig::lazyExperts): an expert that received no rows in a step keeps
// its weights, biases and optimizer state bit for bit, and every other expert takes exactly
// the step the plain optimizer gives it. Fused Adam (the CPU kernel skips the expert; other
// backends keep its rows aside), Adam with clipping (not fused) and SGD, on every backend.
#include <QtTest>

#include <cmath>
#include <vector>

#include "compute/backend_factory.h"
#include "tests/core/optimizer_rig.h"

using namespace moe;
using namespace moe::core;
using testing::kRigExperts, testing::kRigIn, testing::kRigOut, testing::kRigRows;
using testing::normalVec;

namespace {

const std::vector<int> kAllBusy{0, 2, 5, 7, 10};
const std::vector<int> kIdleOne{0, 3, 3, 7, 10};  // expert 1 gets no rows
constexpr int kIdle = 1;

/** The bank with a fused optimizer of the given settings (fusing is off when they rule it out). */
struct Rig : testing::OptimizerRig {
  Rig(compute::Backend& backend, const OptimConfig& oc) : OptimizerRig(backend) {
    attach(oc, true);
  }

  double step(const std::vector<int>& offsets, unsigned seed) {
    forwardBackward(normalVec(kRigRows * kRigIn, seed),
                    normalVec(kRigRows * kRigOut, seed + 100, 0.1f), offsets);
    return optimizer->step();
  }

  /** Rows per expert of snapshot tensor t (parameters are stacked per expert). */
  int blockRows(std::size_t t) { return paramOf(t)->value.rows() / kRigExperts; }
  int cols(std::size_t t) { return paramOf(t)->value.cols(); }

 private:
  // The parameter snapshot tensor t is (t < params: the parameter, else one of its states).
  Parameter* paramOf(std::size_t t) {
    const std::size_t perParam = optimizer->state().size() / params.size();
    return params[t < params.size() ? t : (t - params.size()) / perParam];
  }
};

OptimConfig configFor(const QString& kind, int lazy) {
  OptimConfig oc;
  oc.lr = 0.01;
  oc.lazyExperts = lazy;
  if (kind == "sgd") oc.kind = OptimizerKind::Sgd;
  if (kind == "adamw") {
    oc.kind = OptimizerKind::AdamW;
    oc.weightDecay = 0.1;
  }
  if (kind == "adam, clipped") oc.clipNorm = 1e6;  // never reached, but it turns fusing off
  return oc;
}

}  // namespace

class TestLazyExperts : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void idleExpertKeepsItsStep_data() {
    QTest::addColumn<QString>("backend");
    QTest::addColumn<QString>("kind");
    for (const char* b : {"cpu", "opencl"})
      for (const char* k : {"adam", "adamw", "adam, clipped", "sgd"})
        QTest::addRow("%s, %s", b, k) << b << k;
  }
  void idleExpertKeepsItsStep() {
    QFETCH(QString, backend);
    QFETCH(QString, kind);
    compute::BackendChoice c = compute::createBackend(backend.toStdString(), 2);
    if (c.fellBack) QSKIP("no usable OpenCL device");
    Rig lazy(*c.backend, configFor(kind, 1)), plain(*c.backend, configFor(kind, 0));
    // Two steps with every expert busy (moments not zero), then one with expert 1 idle.
    for (Rig* r : {&lazy, &plain})
      for (unsigned s : {1u, 2u}) QVERIFY(std::isfinite(r->step(kAllBusy, s)));
    QVERIFY(lazy.snapshot() == plain.snapshot());  // with every expert busy, nothing differs
    const auto before = lazy.snapshot();
    for (Rig* r : {&lazy, &plain}) QVERIFY(std::isfinite(r->step(kIdleOne, 3)));
    const auto a = lazy.snapshot(), b = plain.snapshot();
    QCOMPARE(a.size(), b.size());
    int idleChangedInPlain = 0;
    for (std::size_t t = 0; t < a.size(); ++t) {
      const std::size_t block = std::size_t(lazy.blockRows(t)) * std::size_t(lazy.cols(t));
      for (std::size_t i = 0; i < a[t].size(); ++i) {
        const bool idle = i / block == std::size_t(kIdle);
        if (idle) {
          QVERIFY2(a[t][i] == before[t][i], qPrintable(QString("tensor %1 element %2 moved").arg(t).arg(i)));
          idleChangedInPlain += b[t][i] != before[t][i];
        } else {
          QVERIFY2(a[t][i] == b[t][i], qPrintable(QString("tensor %1 element %2 differs").arg(t).arg(i)));
        }
      }
    }
    // The plain optimizer does move the idle expert (momentum), so the test can tell them apart.
    QVERIFY(idleChangedInPlain > 0);
  }

  // The setting is checked: only 0 and 1.
  void onlyZeroOrOne() {
    TrainConfig c;
    c.optim.lazyExperts = 2;
    QVERIFY_THROWS_EXCEPTION(ConfigError, c.validate());
    c.optim.lazyExperts = 1;
    c.validate();
  }
};

QTEST_GUILESS_MAIN(TestLazyExperts)
#include "test_lazy_experts.moc"
