// Finite-difference gradient checks of routing: Gating's backward (to the logits, the router's
// own parameters and its input) for every registered router, with roomy and tight capacity,
// and each auxiliary loss alone. The router table comes from the registry, so a new router is
// checked with no edit here. Central differences on small sizes (tests/core/gradient_check.h).
#include <QtTest>

#include <cmath>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "compute/cpu/cpu_backend.h"
#include "core/routing/gating.h"
#include "core/routing/router_registry.h"
#include "tests/core/gradient_check.h"

using namespace moe;
using namespace moe::core;
using namespace moe::testing;
using compute::Tensor;

class TestGatingGradients : public QObject {
  Q_OBJECT

 private:
  compute::CpuBackend mBackend{1};

 private Q_SLOTS:
  void gatingBackward_data();
  void gatingBackward();
  void auxLoss_data();
  void auxLoss();
};

void TestGatingGradients::gatingBackward_data() {
  QTest::addColumn<QString>("router");
  QTest::addColumn<int>("k");
  QTest::addColumn<double>("capacityFactor");
  for (const RouterEntry& r : routerRegistry()) {  // every registered router, no edit here
    const QString n = r.info.name;
    const bool readsK = r.info.reads(RouterSetting::TopK);
    for (int k : readsK ? std::vector<int>{1, 2, 3} : std::vector<int>{kFor(n.toStdString(), 2)})
      QTest::newRow(qPrintable(n + " k=" + QString::number(k))) << n << k << 4.0;
    if (r.info.reads(RouterSetting::CapacityFactor))  // tight: drops and unrouted rows
      QTest::newRow(qPrintable(n + " tight capacity")) << n << kFor(n.toStdString(), 1) << 0.5;
  }
}

namespace {

/** A registered router with its own parameters on the CPU, fed host logits z and input x. */
struct GatingFixture {
  std::unique_ptr<RouterPolicy> policy;
  Gating g;
  RouterInput in;
  Tensor x;
  std::vector<float> z;
};

std::unique_ptr<GatingFixture> gatingFixture(compute::Backend& b, const std::string& router, int k,
                                             double cf, float noiseScale, std::mt19937_64& rng) {
  auto f = std::make_unique<GatingFixture>();
  RouterBuild build{b, kIn, kExperts, rng};
  f->policy = findRouter(router).create(build);
  f->z = separatedLogits(kRows, kExperts, rng);
  f->x = upload(b, randomVec(std::size_t(kRows) * kIn, rng), kRows, kIn);
  f->in.rows = kRows;
  f->in.experts = kExperts;
  f->in.x = &f->x;
  f->in.step = 3;
  f->in.noiseSeed = 77;
  f->in.training = true;
  f->in.settings = RouterSettings{k, cf, noiseScale};
  return f;
}

/** Checks d objective / d (logits, the router's own parameters, x) against the analytic
 *  gradients: dz from Gating, the rest from the router's backward of dh. */
void checkGating(compute::Backend& b, GatingFixture& f, const std::function<double()>& objective,
                 const std::vector<float>& dRowGates, GradCheck& check) {
  std::vector<float> dz(f.z.size()), dh;
  f.g.backward(dRowGates.data(), dz.data(), dh);
  Tensor dx = b.alloc(kRows, kIn);
  b.fill(dx, 0.0f);
  f.policy->backward(dh, f.x, &dx);
  std::vector<std::vector<float>> grads;
  for (Parameter* p : f.policy->parameters()) grads.push_back(compute::toHost(b, p->grad));
  const auto dxHost = compute::toHost(b, dx);
  const PlanShape reference(f.g.plan());
  auto stable = [&] { return PlanShape(f.g.plan()) == reference; };
  checkHost(f.z, dz, objective, 1e-3, "dz", check, stable);
  const auto params = f.policy->parameters();
  for (std::size_t i = 0; i < params.size(); ++i)
    checkTensor(b, params[i]->value, grads[i], objective, 1e-3, params[i]->name, check, {}, stable);
  checkTensor(b, f.x, dxHost, objective, 1e-3, "x (router's own path)", check, {}, stable);
}

}  // namespace

// Objective = sum_j C[row, expert_j] * rowGates_j with random C; dRowGates_j = C[row, expert_j].
void TestGatingGradients::gatingBackward() {
  QFETCH(QString, router);
  QFETCH(int, k);
  QFETCH(double, capacityFactor);
  std::mt19937_64 rng(3);
  auto f = gatingFixture(mBackend, router.toStdString(), k, capacityFactor, 0.1f, rng);
  const auto C = randomVec(f->z.size(), rng);
  auto objective = [&] {
    f->in.logits = f->z.data();
    f->g.forward(*f->policy, f->in);
    const DispatchPlan& p = f->g.plan();
    double v = 0.0;
    for (int r = 0; r < kRows; ++r)
      for (int j = p.rowPtr[r]; j < p.rowPtr[r + 1]; ++j)
        v += double(C[std::size_t(r) * kExperts + p.rowExperts[std::size_t(j)]]) *
             p.rowGates[std::size_t(j)];
    return v;
  };
  objective();
  QCOMPARE(f->g.perturbed(), !f->policy->parameters().empty());
  if (capacityFactor < 1.0) QVERIFY(!f->g.plan().dropped.empty() || !f->g.plan().unrouted.empty());
  const DispatchPlan& p = f->g.plan();
  std::vector<float> dRowGates(p.rowGates.size());
  for (int r = 0; r < kRows; ++r)
    for (int j = p.rowPtr[r]; j < p.rowPtr[r + 1]; ++j)
      dRowGates[std::size_t(j)] = C[std::size_t(r) * kExperts + p.rowExperts[std::size_t(j)]];
  GradCheck check(1e-2, 2e-4);
  checkGating(mBackend, *f, objective, dRowGates, check);
  QVERIFY2(check.ok(), check.report().constData());
}

void TestGatingGradients::auxLoss_data() {
  QTest::addColumn<QString>("router");
  QTest::addColumn<int>("k");
  QTest::addColumn<QString>("loss");
  for (const QString loss : {"switch", "importance", "load", "z"})
    for (const RouterEntry& r : routerRegistry()) {
      const QString n = r.info.name;
      for (int k : r.info.reads(RouterSetting::TopK) ? std::vector<int>{1, 2}
                                                     : std::vector<int>{kFor(n.toStdString(), 2)})
        QTest::newRow(qPrintable(loss + " / " + n + " k=" + QString::number(k))) << n << k << loss;
    }
}

// Each auxiliary loss alone: objective = its weighted value, gradient from backward() with
// zero combine-weight gradients.
void TestGatingGradients::auxLoss() {
  QFETCH(QString, router);
  QFETCH(int, k);
  QFETCH(QString, loss);
  std::mt19937_64 rng(4);
  auto f = gatingFixture(mBackend, router.toStdString(), k, 2.0, 0.5f, rng);
  LossConfig w{0.0, 0.0, 0.0, 0.0};
  const double weight = 0.7;
  if (loss == "switch") w.auxWeight = weight;
  if (loss == "importance") w.importanceWeight = weight;
  if (loss == "load") w.loadWeight = weight;
  if (loss == "z") w.zLossWeight = weight;

  AuxLosses aux;
  auto objective = [&] {
    f->in.logits = f->z.data();
    f->g.forward(*f->policy, f->in);
    aux = f->g.aux(w);
    return aux.weighted;
  };
  const double value = objective();
  const double unweighted = loss == "switch"       ? aux.switchLoss
                            : loss == "importance" ? aux.importanceLoss
                            : loss == "load"       ? aux.loadLoss
                                                   : aux.zLoss;
  QVERIFY(std::isfinite(value));
  QCOMPARE(value, weight * unweighted);
  const std::vector<float> zeros(f->g.plan().rowGates.size(), 0.0f);
  GradCheck check(1e-2, 2e-4);
  checkGating(mBackend, *f, objective, zeros, check);
  QVERIFY2(check.ok(), check.report().constData());
}

QTEST_GUILESS_MAIN(TestGatingGradients)
#include "test_gating_gradients.moc"
