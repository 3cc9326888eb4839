// Finite-difference gradient checks (tiny-dnn style) for every layer with a backward pass:
// Linear, ExpertBank, Gating (every registered router and every auxiliary loss), MoeLayer (every
// router, and a hand-made weighted plan) and the whole classifiers. The router tables come from
// the registry, so a new router is checked with no edit here. Central differences on small sizes; forward passes run in float32, the
// objectives are summed in double.
#include <QtTest>

#include <cmath>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "compute/cpu/cpu_backend.h"
#include "core/model/classifiers.h"
#include "core/model/expert_bank.h"
#include "core/model/linear.h"
#include "core/model/model.h"
#include "core/model/moe_layer.h"
#include "core/routing/gating.h"
#include "core/routing/router_registry.h"

using namespace moe;
using namespace moe::core;
using compute::Tensor;

Q_DECLARE_METATYPE(moe::core::ModelKind)
Q_DECLARE_METATYPE(moe::compute::Activation)

namespace {

std::vector<float> randomVector(std::size_t n, std::mt19937_64& rng, float lo = -1.0f,
                                float hi = 1.0f) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

Tensor upload(compute::Backend& b, const std::vector<float>& v, int rows, int cols) {
  Tensor t = b.alloc(rows, cols);
  b.write(t, std::span<const float>(v));
  return t;
}

double dot(const std::vector<float>& a, const std::vector<float>& c) {
  double s = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) s += double(a[i]) * double(c[i]);
  return s;
}

/** Compares analytic and numeric derivatives; collects the first failures for the message. */
class GradCheck {
 public:
  GradCheck(double rtol, double atol) : mRtol(rtol), mAtol(atol) {}

  void compare(const std::string& what, std::size_t i, double analytic, double numeric) {
    ++mChecked;
    const double err = std::fabs(analytic - numeric);
    if (err > mRtol * std::max(std::fabs(analytic), std::fabs(numeric)) + mAtol) {
      ++mFailed;
      if (mFailed <= 8)
        mReport += what + "[" + std::to_string(i) + "]: analytic " + std::to_string(analytic) +
                   " numeric " + std::to_string(numeric) + "\n";
    }
  }
  void skip() { ++mSkipped; }
  bool ok() const { return mFailed == 0 && mChecked > 0 && mSkipped * 10 <= mChecked; }
  QByteArray report() const {
    return QByteArray::fromStdString(std::to_string(mFailed) + " of " + std::to_string(mChecked) +
                                     " derivatives off, " + std::to_string(mSkipped) +
                                     " skipped\n" + mReport);
  }

 private:
  double mRtol, mAtol;
  int mChecked = 0, mFailed = 0, mSkipped = 0;
  std::string mReport;
};

/**
 * Central differences of `objective` w.r.t. the entries `which` (all when empty) of a tensor on
 * the backend, compared with `analytic`. `stable` (optional) says whether the discrete routing
 * decision is still the reference one after a perturbation; entries where it is not are
 * skipped (the function is not differentiable across a routing change).
 */
void checkTensor(compute::Backend& b, Tensor& t, const std::vector<float>& analytic,
                 const std::function<double()>& objective, double eps, const std::string& what,
                 GradCheck& check, std::vector<std::size_t> which = {},
                 const std::function<bool()>& stable = {}) {
  std::vector<float> v = compute::toHost(b, t);
  if (which.empty())
    for (std::size_t i = 0; i < v.size(); ++i) which.push_back(i);
  for (std::size_t i : which) {
    const float orig = v[i];
    v[i] = orig + float(eps);
    b.write(t, std::span<const float>(v));
    const double up = objective();
    const bool stableUp = !stable || stable();
    v[i] = orig - float(eps);
    b.write(t, std::span<const float>(v));
    const double down = objective();
    const bool stableDown = !stable || stable();
    v[i] = orig;
    b.write(t, std::span<const float>(v));
    if (!stableUp || !stableDown) {
      check.skip();
      continue;
    }
    check.compare(what, i, analytic[i], (up - down) / (2.0 * eps));
  }
  objective();  // leave the forward state at the unperturbed point
}

/** Same for a host vector that the objective reads. */
void checkHost(std::vector<float>& v, const std::vector<float>& analytic,
               const std::function<double()>& objective, double eps, const std::string& what,
               GradCheck& check, const std::function<bool()>& stable = {}) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    const float orig = v[i];
    v[i] = orig + float(eps);
    const double up = objective();
    const bool stableUp = !stable || stable();
    v[i] = orig - float(eps);
    const double down = objective();
    const bool stableDown = !stable || stable();
    v[i] = orig;
    if (!stableUp || !stableDown) {
      check.skip();
      continue;
    }
    check.compare(what, i, analytic[i], (up - down) / (2.0 * eps));
  }
  objective();
}

/** The discrete part of a plan: which rows go to which experts, in which order, and drops. */
struct PlanShape {
  std::vector<std::int32_t> rowExperts, rowPtr, slotRow, dropped;
  explicit PlanShape(const DispatchPlan& p)
      : rowExperts(p.rowExperts), rowPtr(p.rowPtr), slotRow(p.slotRow), dropped(p.dropped) {}
  bool operator==(const PlanShape&) const = default;
};

// Router logits at least 0.4 apart within every row, so token-choice decisions do not flip
// under small perturbations (expert-choice columns are guarded by the plan-stability check).
std::vector<float> separatedLogits(int rows, int experts, std::mt19937_64& rng) {
  std::vector<float> z;
  for (;;) {
    z = randomVector(std::size_t(rows) * experts, rng, -2.0f, 2.0f);
    bool ok = true;
    for (int r = 0; r < rows && ok; ++r)
      for (int a = 0; a < experts && ok; ++a)
        for (int c = a + 1; c < experts && ok; ++c)
          ok = std::fabs(z[std::size_t(r) * experts + a] - z[std::size_t(r) * experts + c]) > 0.4f;
    if (ok) return z;  // a few draws at most for 4 experts
  }
}

constexpr int kRows = 5, kIn = 6, kExperts = 4, kHidden = 3, kOut = 5;

/** k for a router: `k` when it reads k, else what it uses anyway (validate() wants k <= E). */
int kFor(const std::string& router, int k) {
  const RouterInfo& info = findRouter(router).info;
  return info.reads(RouterSetting::TopK) ? k : std::min(k, info.expertsPerRow({k, 1.0, 1.0f}, kExperts));
}

}  // namespace

class TestGradients : public QObject {
  Q_OBJECT

 private:
  compute::CpuBackend mBackend{1};

 private Q_SLOTS:
  void linear();
  void expertBank_data();
  void expertBank();
  void gatingBackward_data();
  void gatingBackward();
  void auxLoss_data();
  void auxLoss();
  void moeLayer_data();
  void moeLayer();
  void weightedPlan();
  void model_data();
  void model();
};

void TestGradients::linear() {
  std::mt19937_64 rng(1);
  Linear lin(mBackend, "lin", kIn, kOut, rng);
  Tensor x = upload(mBackend, randomVector(std::size_t(kRows) * kIn, rng), kRows, kIn);
  const auto c = randomVector(std::size_t(kRows) * kOut, rng);
  Tensor y = mBackend.alloc(kRows, kOut), dy = upload(mBackend, c, kRows, kOut);
  Tensor dx = mBackend.alloc(kRows, kIn);
  auto objective = [&] {
    lin.forward(x, y);
    return dot(compute::toHost(mBackend, y), c);
  };
  objective();
  lin.backward(x, dy, &dx);
  GradCheck check(1e-2, 1e-3);
  checkTensor(mBackend, lin.weight().value, compute::toHost(mBackend, lin.weight().grad), objective,
              1e-2, "weight", check);
  checkTensor(mBackend, lin.bias().value, compute::toHost(mBackend, lin.bias().grad), objective,
              1e-2, "bias", check);
  checkTensor(mBackend, x, compute::toHost(mBackend, dx), objective, 1e-2, "x", check);
  QVERIFY2(check.ok(), check.report().constData());

  // dxBeta accumulates into dx instead of overwriting it.
  const auto dx1 = compute::toHost(mBackend, dx);
  lin.backward(x, dy, &dx, 1.0f);
  const auto dx2 = compute::toHost(mBackend, dx);
  for (std::size_t i = 0; i < dx1.size(); ++i) QCOMPARE(dx2[i], 2.0f * dx1[i]);
}

void TestGradients::expertBank_data() {
  QTest::addColumn<int>("hidden");
  QTest::addColumn<compute::Activation>("act");
  QTest::newRow("mlp tanh") << kHidden << compute::Activation::Tanh;
  QTest::newRow("mlp gelu") << kHidden << compute::Activation::Gelu;
  QTest::newRow("mlp silu") << kHidden << compute::Activation::Silu;
  QTest::newRow("linear") << 0 << compute::Activation::Tanh;
}

void TestGradients::expertBank() {
  QFETCH(int, hidden);
  QFETCH(compute::Activation, act);
  std::mt19937_64 rng(2);
  ExpertBank bank(mBackend, kExperts, kIn, hidden, kOut, act, rng);
  const std::vector<int> offsets{0, 2, 2, 5, 7};  // expert 1 gets no rows
  const int slots = offsets.back();
  Tensor xe = upload(mBackend, randomVector(std::size_t(slots) * kIn, rng, -1.5f, 1.5f), slots, kIn);
  const auto c = randomVector(std::size_t(slots) * kOut, rng);
  Tensor dye = upload(mBackend, c, slots, kOut), dxe = mBackend.alloc(slots, kIn);
  auto objective = [&] { return dot(compute::toHost(mBackend, bank.forward(xe, offsets)), c); };
  objective();
  bank.backward(dye, &dxe);
  const auto dx = compute::toHost(mBackend, dxe);
  std::vector<std::vector<float>> grads;
  for (Parameter* p : bank.parameters()) grads.push_back(compute::toHost(mBackend, p->grad));
  QCOMPARE(int(grads.size()), hidden > 0 ? 4 : 2);

  GradCheck check(1e-2, 1e-3);
  const auto params = bank.parameters();
  for (std::size_t i = 0; i < params.size(); ++i)
    checkTensor(mBackend, params[i]->value, grads[i], objective, 1e-2, params[i]->name, check);
  checkTensor(mBackend, xe, dx, objective, 1e-2, "xe", check);
  QVERIFY2(check.ok(), check.report().constData());

  // The expert without rows gets exactly zero gradient.
  const auto b1 = compute::toHost(mBackend, params[1]->grad);
  const int firstOut = hidden > 0 ? hidden : kOut;
  for (int j = 0; j < firstOut; ++j) QCOMPARE(b1[std::size_t(firstOut + j)], 0.0f);
}

void TestGradients::gatingBackward_data() {
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
  f->x = upload(b, randomVector(std::size_t(kRows) * kIn, rng), kRows, kIn);
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
void TestGradients::gatingBackward() {
  QFETCH(QString, router);
  QFETCH(int, k);
  QFETCH(double, capacityFactor);
  std::mt19937_64 rng(3);
  auto f = gatingFixture(mBackend, router.toStdString(), k, capacityFactor, 0.1f, rng);
  const auto C = randomVector(f->z.size(), rng);
  auto objective = [&] {
    f->in.logits = f->z.data();
    f->g.forward(*f->policy, f->in);
    const DispatchPlan& p = f->g.plan();
    double v = 0.0;
    for (int r = 0; r < kRows; ++r)
      for (int j = p.rowPtr[r]; j < p.rowPtr[r + 1]; ++j)
        v += double(C[std::size_t(r) * kExperts + p.rowExperts[std::size_t(j)]]) * p.rowGates[std::size_t(j)];
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

void TestGradients::auxLoss_data() {
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
void TestGradients::auxLoss() {
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

void TestGradients::moeLayer_data() {
  QTest::addColumn<QString>("router");
  QTest::addColumn<int>("k");
  QTest::addColumn<int>("hidden");
  QTest::addColumn<bool>("withAux");
  for (bool aux : {false, true}) {
    const QString tag = aux ? " + aux losses" : "";
    for (const RouterEntry& r : routerRegistry()) {
      const QString n = r.info.name;
      QTest::newRow(qPrintable(n + tag)) << n << kFor(n.toStdString(), 2) << kHidden << aux;
    }
    QTest::newRow(qPrintable("topk k=2 linear experts" + tag)) << QString("topk") << 2 << 0 << aux;
  }
}

// Objective = sum C .* y + weighted aux losses, w.r.t. router and expert parameters and x.
void TestGradients::moeLayer() {
  QFETCH(QString, router);
  QFETCH(int, k);
  QFETCH(int, hidden);
  QFETCH(bool, withAux);
  std::mt19937_64 rng(5);
  ModelConfig mc;
  mc.router = router.toStdString();
  mc.experts = kExperts;
  mc.topK = k;
  mc.expertHidden = hidden;
  mc.activation = compute::Activation::Tanh;
  mc.capacityFactor = 1.0;
  mc.noiseScale = 0.5;
  LossConfig lc{0.0, 0.0, 0.0, 0.0};
  if (withAux) lc = LossConfig{0.3, 0.2, 0.2, 0.1};
  MoeLayer layer(mBackend, kIn, kOut, mc, rng);
  // Scale the gate up so routing decisions are clear-cut (tiny perturbations do not flip them).
  for (Parameter* p : layer.router().parameters()) mBackend.axpby(0.0f, p->value, 4.0f, p->value);
  Tensor x = upload(mBackend, randomVector(std::size_t(kRows) * kIn, rng), kRows, kIn);
  const auto c = randomVector(std::size_t(kRows) * kOut, rng);
  auto objective = [&] {
    const Tensor& y = layer.forward(x, true, lc, 77, 3);
    return dot(compute::toHost(mBackend, y), c) + layer.auxLosses().weighted;
  };
  objective();
  const PlanShape reference(layer.plan());
  Tensor dy = upload(mBackend, c, kRows, kOut), dx = mBackend.alloc(kRows, kIn);
  layer.backward(dy, &dx, 0.0f);
  const auto dxHost = compute::toHost(mBackend, dx);
  const auto params = layer.parameters();
  std::vector<std::vector<float>> grads;
  for (Parameter* p : params) grads.push_back(compute::toHost(mBackend, p->grad));

  auto stable = [&] { return PlanShape(layer.plan()) == reference; };
  GradCheck check(2e-2, 1e-3);
  for (std::size_t i = 0; i < params.size(); ++i)
    checkTensor(mBackend, params[i]->value, grads[i], objective, 5e-3, params[i]->name, check, {},
                stable);
  checkTensor(mBackend, x, dxHost, objective, 5e-3, "x", check, {}, stable);
  QVERIFY2(check.ok(), check.report().constData());

  // Without dx the parameter gradients are the same.
  objective();
  layer.backward(dy, nullptr, 0.0f);
  for (std::size_t i = 0; i < params.size(); ++i)
    QCOMPARE(compute::toHost(mBackend, params[i]->grad), grads[i]);
}

namespace {

/** A plan by hand: per expert, slots that each mix rows (row, weight); per row, the (slot,
 *  gate) pairs its output combines. One-row slots when `weighted` is false (weight 1 each). */
DispatchPlan handPlan(bool weighted) {
  const std::vector<std::vector<std::vector<std::pair<int, float>>>> slotsOf{
      {{{0, 0.5f}, {2, 0.3f}, {4, 0.2f}}, {{1, 1.0f}}},  // expert 0: two slots
      {{{0, 0.1f}, {1, 0.2f}, {3, 0.7f}}},               // expert 1
      {},                                                 // expert 2: none
      {{{2, 0.6f}, {3, 0.4f}}, {{4, 0.9f}, {0, 0.1f}}}};  // expert 3
  const std::vector<std::vector<std::pair<int, float>>> combine{
      {{0, 0.7f}, {2, 0.3f}}, {{1, 0.5f}, {2, 0.5f}}, {{3, 1.0f}}, {}, {{4, 0.6f}, {0, 0.4f}}};
  DispatchPlan p;
  p.rows = kRows;
  p.experts = kExperts;
  p.offsets.push_back(0);
  std::vector<int> expertOf;
  if (weighted) p.slotInPtr.push_back(0);
  for (int e = 0; e < kExperts; ++e) {
    for (const auto& mix : slotsOf[std::size_t(e)]) {
      expertOf.push_back(e);
      std::pair<int, float> best{-1, -1.0f};
      for (const auto& [r, w] : mix) {
        if (w > best.second) best = {r, w};
        p.slotInRows.push_back(r);
        p.slotInWeights.push_back(w);
      }
      p.slotRow.push_back(best.first);
      p.slotGate.push_back(0.0f);
      p.slotRank.push_back(0);
      if (weighted) p.slotInPtr.push_back(std::int32_t(p.slotInRows.size()));
    }
    p.offsets.push_back(int(p.slotRow.size()));
  }
  if (!weighted) {  // the one-row twin: each slot is its representative row
    p.slotInRows.clear();
    p.slotInWeights.clear();
  }
  p.rowPtr.push_back(0);
  for (int r = 0; r < kRows; ++r) {
    for (const auto& [s, g] : combine[std::size_t(r)]) {
      p.rowSlots.push_back(s);
      p.rowGates.push_back(g);
      p.rowExperts.push_back(expertOf[std::size_t(s)]);
    }
    if (combine[std::size_t(r)].empty()) p.unrouted.push_back(r);
    p.rowPtr.push_back(std::int32_t(p.rowSlots.size()));
  }
  return p;
}

}  // namespace

// Soft-MoE-style dispatch: slots that mix rows. Forward equals the one-row plan when each slot
// is one row with weight 1; gradients w.r.t. x, the experts, the combine gates and the
// dispatch weights match central differences.
void TestGradients::weightedPlan() {
  std::mt19937_64 rng(13);
  ModelConfig mc;
  mc.experts = kExperts;
  mc.expertHidden = kHidden;
  mc.activation = compute::Activation::Tanh;
  MoeLayer layer(mBackend, kIn, kOut, mc, rng);
  Tensor x = upload(mBackend, randomVector(std::size_t(kRows) * kIn, rng), kRows, kIn);

  // A weighted plan whose slots are single rows of weight 1 gives what the one-row plan gives.
  DispatchPlan one = handPlan(false), unit = handPlan(false);
  unit.slotInPtr.clear();
  unit.slotInPtr.push_back(0);
  for (int s = 0; s < unit.slots(); ++s) {
    unit.slotInRows.push_back(unit.slotRow[std::size_t(s)]);
    unit.slotInWeights.push_back(1.0f);
    unit.slotInPtr.push_back(std::int32_t(unit.slotInRows.size()));
  }
  const auto yOne = compute::toHost(mBackend, layer.forwardPlan(x, one));
  const auto yUnit = compute::toHost(mBackend, layer.forwardPlan(x, unit));
  for (std::size_t i = 0; i < yOne.size(); ++i) QVERIFY(std::fabs(yOne[i] - yUnit[i]) < 1e-6f);

  DispatchPlan plan = handPlan(true);
  QVERIFY(plan.weighted());
  const auto c = randomVector(std::size_t(kRows) * kOut, rng);
  auto objective = [&] { return dot(compute::toHost(mBackend, layer.forwardPlan(x, plan)), c); };
  objective();
  Tensor dy = upload(mBackend, c, kRows, kOut), dx = mBackend.alloc(kRows, kIn);
  layer.backwardPlan(dy, &dx, 0.0f);
  const auto dxHost = compute::toHost(mBackend, dx);
  const auto dGates = layer.rowGateGrads(), dWeights = layer.slotWeightGrads();
  QCOMPARE(dWeights.size(), plan.slotInWeights.size());
  QCOMPARE(dGates.size(), plan.rowGates.size());
  const auto params = layer.experts().parameters();
  std::vector<std::vector<float>> grads;
  for (Parameter* p : params) grads.push_back(compute::toHost(mBackend, p->grad));

  GradCheck check(2e-2, 1e-3);
  for (std::size_t i = 0; i < params.size(); ++i)
    checkTensor(mBackend, params[i]->value, grads[i], objective, 5e-3, params[i]->name, check);
  checkTensor(mBackend, x, dxHost, objective, 5e-3, "x", check);
  checkHost(plan.slotInWeights, dWeights, objective, 5e-3, "slotInWeights", check);
  checkHost(plan.rowGates, dGates, objective, 5e-3, "rowGates", check);
  QVERIFY2(check.ok(), check.report().constData());

  // dxBeta accumulates; without dx the expert and weight gradients are the same.
  layer.backwardPlan(dy, &dx, 1.0f);
  const auto dx2 = compute::toHost(mBackend, dx);
  for (std::size_t i = 0; i < dx2.size(); ++i) QVERIFY(std::fabs(dx2[i] - 2.0f * dxHost[i]) < 1e-5f);
  layer.backwardPlan(dy, nullptr, 0.0f);
  QCOMPARE(layer.slotWeightGrads(), dWeights);
  for (std::size_t i = 0; i < params.size(); ++i)
    QCOMPARE(compute::toHost(mBackend, params[i]->grad), grads[i]);
}

void TestGradients::model_data() {
  QTest::addColumn<ModelKind>("kind");
  QTest::addColumn<QString>("router");
  for (ModelKind m : {ModelKind::MoeClassifier, ModelKind::StemMoe, ModelKind::DeepMoe})
    for (const RouterEntry& r : routerRegistry())
      QTest::newRow(qPrintable(QString(modelName(m)) + " " + r.info.name)) << m << QString(r.info.name);
  QTest::newRow("dense-mlp") << ModelKind::DenseMlp << QString(defaultRouterName().c_str());
}

// Whole models without a Session: createModel, forward, cross-entropy (+ aux), backward, and
// central differences of the loss on sampled parameter entries.
void TestGradients::model() {
  QFETCH(ModelKind, kind);
  QFETCH(QString, router);
  std::mt19937_64 rng(6);
  const int rows = 6, features = 7, classes = 3;
  Dataset data;
  data.name = "synthetic";
  data.kind = DataKind::Dense;
  data.features = features;
  data.classes = classes;
  data.x = randomVector(std::size_t(rows) * features, rng);
  for (int r = 0; r < rows; ++r) data.labels.push_back(r % classes);

  TrainConfig config;
  config.seed = 9;
  config.model.kind = kind;
  config.model.router = router.toStdString();
  config.model.experts = kExperts;
  config.model.topK = kFor(config.model.router, 2);
  config.model.expertHidden = kHidden;
  config.model.stemWidth = 5;
  config.model.activation = compute::Activation::Tanh;
  config.model.capacityFactor = 2.0;
  config.loss = LossConfig{0.1, 0.05, 0.05, 0.01};
  auto model = createModel(config, data, mBackend);
  QVERIFY(model);
  QCOMPARE(model->moe() == nullptr, kind == ModelKind::DenseMlp);
  const std::vector<MoeLayer*> layers = model->moeLayers();
  QCOMPARE(int(layers.size()), kind == ModelKind::DeepMoe ? config.model.layers : model->moe() ? 1 : 0);
  for (MoeLayer* layer : layers)
    for (Parameter* p : layer->router().parameters())
      mBackend.axpby(0.0f, p->value, 4.0f, p->value);

  Batch batch;
  batch.rows = rows;
  batch.x = upload(mBackend, data.x, rows, features);
  batch.source = &data;
  for (int r = 0; r < rows; ++r) batch.indices.push_back(r);
  Tensor labels = mBackend.alloc(rows, 1, compute::DType::I32);
  mBackend.write(labels, std::span<const std::int32_t>(data.labels));
  Tensor dLogits = mBackend.alloc(rows, classes), scratch = mBackend.alloc(rows, classes);
  const StepContext ctx{config.loss, 11, 2};
  auto objective = [&] {
    const Tensor& logits = model->forward(batch, true, ctx);
    const double ce = mBackend.crossEntropy(logits, labels, 0.0f, scratch) / rows;
    double aux = 0.0;  // every layer's (deep-moe: each router has its own)
    for (MoeLayer* layer : layers) aux += layer->auxLosses().weighted;
    return ce + aux;
  };
  const double loss = objective();
  QVERIFY(std::isfinite(loss));
  std::vector<PlanShape> reference;
  for (MoeLayer* layer : layers) reference.emplace_back(layer->plan());
  {
    const Tensor& logits = model->forward(batch, true, ctx);
    mBackend.crossEntropy(logits, labels, 1.0f / rows, dLogits);
    model->backward(dLogits);
  }
  auto stable = [&] {
    for (std::size_t l = 0; l < layers.size(); ++l)
      if (!(PlanShape(layers[l]->plan()) == reference[l])) return false;
    return true;
  };

  GradCheck check(2e-2, 5e-4);
  std::mt19937_64 pick(12);
  for (Parameter* p : model->parameters()) {
    const auto grad = compute::toHost(mBackend, p->grad);
    std::vector<std::size_t> which;
    std::uniform_int_distribution<std::size_t> d(0, grad.size() - 1);
    for (int i = 0; i < 6; ++i) which.push_back(d(pick));
    // eps 1e-3: with this seed a stem ReLU input lies within 5e-3 of the kink.
    checkTensor(mBackend, p->value, grad, objective, 1e-3, p->name, check, which, stable);
  }
  QVERIFY2(check.ok(), check.report().constData());
}

QTEST_GUILESS_MAIN(TestGradients)
#include "test_gradients.moc"
