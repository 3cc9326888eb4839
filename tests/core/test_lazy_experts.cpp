// Lazy experts (OptimConfig::lazyExperts): an expert that received no rows in a step keeps
// its weights, biases and optimizer state bit for bit, and every other expert takes exactly
// the step the plain optimizer gives it. Fused Adam (the CPU kernel skips the expert; other
// backends keep its rows aside), Adam with clipping (not fused) and SGD, on every backend.
#include <QtTest>

#include <memory>
#include <random>
#include <vector>

#include "compute/backend_factory.h"
#include "core/model/expert_bank.h"
#include "core/optim/optimizer.h"

using namespace moe;
using namespace moe::core;
using compute::Tensor;

namespace {

constexpr int kExperts = 4, kIn = 6, kHidden = 5, kOut = 3, kRows = 10;
const std::vector<int> kAllBusy{0, 2, 5, 7, 10};
const std::vector<int> kIdleOne{0, 3, 3, 7, 10};  // expert 1 gets no rows
constexpr int kIdle = 1;

std::vector<float> randomVec(std::size_t n, unsigned seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

/** An expert bank trained by one optimizer, as a Session wires it. */
struct Rig {
  Rig(compute::Backend& backend, OptimConfig oc) : be(backend), rng(7) {
    bank = std::make_unique<ExpertBank>(be, kExperts, kIn, kHidden, kOut, compute::Activation::Relu,
                                        rng);
    params = bank->parameters();
    optimizer = std::make_unique<Optimizer>(be, params, oc);
    bank->setFusedOptimizer(optimizer.get());
  }

  double step(const std::vector<int>& offsets, unsigned seed) {
    Tensor x = be.alloc(kRows, kIn), dy = be.alloc(kRows, kOut);
    be.write(x, std::span<const float>(randomVec(kRows * kIn, seed)));
    be.write(dy, std::span<const float>(randomVec(kRows * kOut, seed + 100, 0.1f)));
    bank->forward(x, offsets);
    bank->backward(dy, nullptr);
    return optimizer->step();
  }

  /** Every parameter, then every state tensor (in the optimizer's order), on the host. */
  std::vector<std::vector<float>> snapshot() {
    std::vector<std::vector<float>> s;
    for (Parameter* p : params) s.push_back(compute::toHost(be, p->value));
    for (auto& [name, t] : optimizer->state()) s.push_back(compute::toHost(be, *t));
    return s;
  }

  /** Rows per expert of snapshot tensor t (parameters are stacked per expert). */
  int blockRows(std::size_t t) {
    const std::size_t perParam = optimizer->state().size() / params.size();
    const std::size_t p = t < params.size() ? t : (t - params.size()) / perParam;
    return params[p]->value.rows() / kExperts;
  }
  int cols(std::size_t t) {
    const std::size_t perParam = optimizer->state().size() / params.size();
    const std::size_t p = t < params.size() ? t : (t - params.size()) / perParam;
    return params[p]->value.cols();
  }

  compute::Backend& be;
  std::mt19937_64 rng;
  std::unique_ptr<ExpertBank> bank;
  std::vector<Parameter*> params;
  std::unique_ptr<Optimizer> optimizer;
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
