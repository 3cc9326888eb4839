// Routing invariants: every registered router's DispatchPlan (table-driven from the registry,
// checked view by view with tests/core/plan_checks.h), the registry itself, capacities and drops
// of the routers that have them, and the auxiliary losses' values. Routing statistics and the
// class/expert mutual information are test_routing_stats.cpp's.
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <set>
#include <vector>

#include "compute/cpu/cpu_backend.h"
#include "core/routing/gating.h"
#include "core/routing/router.h"
#include "core/routing/router_registry.h"
#include "core/routing/routing_stats.h"
#include "core/train/config_keys.h"
#include "tests/core/plan_checks.h"

using namespace moe;
using namespace moe::core;
using moe::testing::planProblem;

namespace {

std::vector<float> randomLogits(int rows, int experts, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> d(0.0f, 1.5f);
  std::vector<float> z(std::size_t(rows) * experts);
  for (auto& v : z) v = d(rng);
  return z;
}

compute::CpuBackend& cpu() {
  static compute::CpuBackend backend{1};
  return backend;
}

/** A registered router and its gating of one batch of host logits. */
struct Routed {
  std::unique_ptr<RouterPolicy> policy;
  Gating gating;
  const DispatchPlan& plan() const { return gating.plan(); }
  const std::vector<float>& probs() const { return gating.probs(); }
};

std::unique_ptr<Routed> route(const std::string& name, int k, double cf, int rows, int experts,
                              const std::vector<float>& z, const std::int32_t* tokenIds = nullptr) {
  auto out = std::make_unique<Routed>();
  std::mt19937_64 rng(1);
  RouterBuild build{cpu(), 3, experts, rng};
  out->policy = findRouter(name).create(build);
  RouterInput in;
  in.rows = rows;
  in.experts = experts;
  in.logits = z.data();
  in.tokenIds = tokenIds;
  in.settings = RouterSettings{k, cf, 1.0f};
  out->gating.forward(*out->policy, in);
  return out;
}

/** Hash routing (Roller et al. 2021) written against the interface, to show a router sees
 *  the rows' token ids: token t goes to expert t mod E with its probability as gate. */
class HashRouter final : public RouterPolicy {
 public:
  const RouterInfo& info() const override {
    static const RouterInfo i{"hash-test", "token id mod experts", {}, false,
                              [](const RouterSettings&, int) { return 1; }};
    return i;
  }
  void choose(const RouterInput& in, const std::vector<float>& p, RouterChoices& out) override {
    for (int r = 0; r < in.rows; ++r) {
      const int e = in.tokenIds[r] % in.experts;
      out.rows[std::size_t(r)].push_back({e, p[std::size_t(r) * in.experts + e]});
    }
  }
};

}  // namespace

class TestRouters : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void registry();
  void planConsistency_data();
  void planConsistency();
  void routersSeeTokenIds();
  void topK_data();
  void topK();
  void dense();
  void noisyWithoutNoiseIsTopK();
  void noisyUsesNoise();
  void switchCapacity_data();
  void switchCapacity();
  void switchAllPreferOne_data();
  void switchAllPreferOne();
  void expertChoice_data();
  void expertChoice();
  void auxLossValues();
};

void TestRouters::registry() {
  const auto& all = routerRegistry();
  QVERIFY(all.size() >= 5);
  std::set<std::string> names;
  for (const RouterEntry& r : all) {
    const std::string name = r.info.name;
    QVERIFY2(names.insert(name).second, name.c_str());  // unique
    QVERIFY(!name.empty() && std::string(r.info.description).size() > 10);
    QVERIFY(r.info.expertsPerRow && r.create);
    QCOMPARE(std::string(findRouter(name).info.name), name);
    for (RouterSetting s : r.info.settings)  // every setting is a config key with a flag
      QVERIFY(findConfigKey(routerSettingKey(s)) && findConfigKey(routerSettingKey(s))->flag);
    QVERIFY(QString::fromStdString(routerHelp()).contains(QString::fromStdString(name) + ": "));
  }
  QCOMPARE(defaultRouterName(), ModelConfig().router);
  QVERIFY(names.count(defaultRouterName()));
  try {
    findRouter("no-such-router");
    QFAIL("an unknown router was accepted");
  } catch (const ConfigError& e) {
    for (const std::string& name : names) QVERIFY2(QString(e.what()).contains(name.c_str()), e.what());
  }
  TrainConfig c;
  c.model.router = "no-such-router";
  QVERIFY_THROWS_EXCEPTION(ConfigError, c.validate());
}

void TestRouters::planConsistency_data() {
  QTest::addColumn<QString>("router");
  QTest::addColumn<int>("k");
  QTest::addColumn<double>("cf");
  QTest::addColumn<int>("rows");
  QTest::addColumn<int>("experts");
  for (const RouterEntry& r : routerRegistry()) {  // every registered router, no edit here
    const QString n = r.info.name;
    QTest::newRow(qPrintable(n + " k1")) << n << 1 << 1.0 << 37 << 8;
    QTest::newRow(qPrintable(n + " k2")) << n << 2 << 1.0 << 64 << 8;
    QTest::newRow(qPrintable(n + " cf0.5")) << n << 2 << 0.5 << 64 << 8;
    QTest::newRow(qPrintable(n + " cf0.3 uneven")) << n << 1 << 0.3 << 50 << 4;
    QTest::newRow(qPrintable(n + " one row")) << n << 2 << 1.0 << 1 << 4;
    QTest::newRow(qPrintable(n + " one expert")) << n << 1 << 1.0 << 10 << 1;
  }
}

void TestRouters::planConsistency() {
  QFETCH(QString, router);
  QFETCH(int, k);
  QFETCH(double, cf);
  QFETCH(int, rows);
  QFETCH(int, experts);
  const RouterInfo& info = findRouter(router.toStdString()).info;
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const auto g = route(router.toStdString(), k, cf, rows, experts, randomLogits(rows, experts, seed));
    QCOMPARE(g->plan().rows, rows);
    QCOMPARE(g->plan().experts, experts);
    // Weighted plans (Soft MoE) mix rows into slots: each slot's weights form a distribution.
    if (g->plan().weighted())
      for (int sl = 0; sl < g->plan().slots(); ++sl) {
        double sum = 0.0;
        for (int j = g->plan().slotInPtr[std::size_t(sl)]; j < g->plan().slotInPtr[std::size_t(sl) + 1]; ++j)
          sum += g->plan().slotInWeights[std::size_t(j)];
        QVERIFY(std::fabs(sum - 1.0) < 1e-5);
      }
    const QString problem = planProblem(g->plan());
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QCOMPARE(g->probs().size(), std::size_t(rows) * experts);
    // The declared experts per row bounds what the plan gives (capacity may give fewer).
    const int perRow = info.expertsPerRow(RouterSettings{k, cf, 1.0f}, experts);
    QVERIFY(perRow >= 1 && perRow <= experts);
    // Capacity rounds up per expert: at most one slot more per expert than the average.
    const int rounding = info.reads(RouterSetting::CapacityFactor) ? experts : 0;
    QVERIFY(g->plan().slots() <= rows * perRow + rounding);
    // Renormalising routers' gates sum to 1 over each routed row.
    if (info.renormalises)
      for (int r = 0; r < rows; ++r) {
        double sum = 0.0;
        for (int j = g->plan().rowPtr[std::size_t(r)]; j < g->plan().rowPtr[std::size_t(r) + 1]; ++j)
          sum += g->plan().rowGates[std::size_t(j)];
        QVERIFY(std::fabs(sum - 1.0) < 1e-5);
      }
  }
}

void TestRouters::routersSeeTokenIds() {
  const int rows = 12, experts = 4;
  const auto z = randomLogits(rows, experts, 3);
  std::vector<std::int32_t> ids(static_cast<std::size_t>(rows));
  for (int r = 0; r < rows; ++r) ids[std::size_t(r)] = 7 * r + 1;
  HashRouter hash;
  Gating g;
  RouterInput in;
  in.rows = rows;
  in.experts = experts;
  in.logits = z.data();
  in.tokenIds = ids.data();
  g.forward(hash, in);
  QVERIFY(planProblem(g.plan()).isEmpty());
  for (int r = 0; r < rows; ++r)
    QCOMPARE(g.plan().rowExperts[std::size_t(g.plan().rowPtr[std::size_t(r)])], (7 * r + 1) % experts);
}

void TestRouters::topK_data() {
  QTest::addColumn<int>("k");
  QTest::addColumn<int>("experts");
  for (int e : {4, 8})
    for (int k = 1; k <= e; k += (e == 8 ? 3 : 1))
      QTest::newRow(qPrintable(QString("k=%1 of %2").arg(k).arg(e))) << k << e;
}

void TestRouters::topK() {
  QFETCH(int, k);
  QFETCH(int, experts);
  const int rows = 40;
  const auto z = randomLogits(rows, experts, 7);
  const auto g = route("topk", k, 1.0, rows, experts, z);
  const DispatchPlan& p = g->plan();
  QCOMPARE(p.slots(), rows * k);
  QVERIFY(p.dropped.empty());
  QVERIFY(p.unrouted.empty());
  for (int r = 0; r < rows; ++r) {
    QCOMPARE(p.rowPtr[std::size_t(r) + 1] - p.rowPtr[std::size_t(r)], k);
    double sum = 0.0;
    float smallestChosen = 2.0f;
    std::set<int> chosen;
    for (int j = p.rowPtr[std::size_t(r)]; j < p.rowPtr[std::size_t(r) + 1]; ++j) {
      sum += p.rowGates[std::size_t(j)];
      if (j > p.rowPtr[std::size_t(r)]) QVERIFY(p.rowGates[std::size_t(j)] <= p.rowGates[std::size_t(j) - 1]);
      const int e = p.rowExperts[std::size_t(j)];
      chosen.insert(e);
      smallestChosen = std::min(smallestChosen, g->probs()[std::size_t(r) * experts + e]);
    }
    QVERIFY(std::fabs(sum - 1.0) < 1e-5);
    for (int e = 0; e < experts; ++e)  // the chosen are the most probable
      if (!chosen.count(e)) QVERIFY(g->probs()[std::size_t(r) * experts + e] <= smallestChosen);
  }
}

void TestRouters::dense() {
  const int rows = 20, experts = 6;
  const auto g = route("dense", 2, 1.0, rows, experts, randomLogits(rows, experts, 8));
  const DispatchPlan& p = g->plan();
  QCOMPARE(p.slots(), rows * experts);
  for (int e = 0; e < experts; ++e) QCOMPARE(p.load(e), rows);
  for (int r = 0; r < rows; ++r) {
    double sum = 0.0;
    for (int j = p.rowPtr[std::size_t(r)]; j < p.rowPtr[std::size_t(r) + 1]; ++j) {
      const int e = p.rowExperts[std::size_t(j)];
      QCOMPARE(p.rowGates[std::size_t(j)], g->probs()[std::size_t(r) * experts + e]);
      sum += p.rowGates[std::size_t(j)];
    }
    QVERIFY(std::fabs(sum - 1.0) < 1e-5);
  }
}

void TestRouters::noisyWithoutNoiseIsTopK() {
  const int rows = 30, experts = 8;
  const auto z = randomLogits(rows, experts, 9);
  const auto a = route("noisy-topk", 2, 1.0, rows, experts, z);  // not training: no noise
  const auto b = route("topk", 2, 1.0, rows, experts, z);
  QVERIFY(!a->gating.perturbed());
  QCOMPARE(a->plan().rowExperts, b->plan().rowExperts);
  QCOMPARE(a->plan().rowGates, b->plan().rowGates);
}

void TestRouters::noisyUsesNoise() {
  // Through the Router: the noise map's weights are zero and its bias 2, so every noise logit
  // is 2 (sigma = scale * softplus(2)); eps comes from the counter-based stream.
  const int rows = 30, in = 5, experts = 8;
  std::mt19937_64 rng(10);
  ModelConfig mc;
  mc.router = "noisy-topk";
  mc.experts = experts;
  mc.topK = 2;
  Router router(cpu(), in, mc, rng);
  const auto params = router.parameters();
  QCOMPARE(int(params.size()), 4);  // gate weight and bias, noise weight and bias
  cpu().fill(params[2]->value, 0.0f);
  cpu().fill(params[3]->value, 2.0f);
  QCOMPARE(router.paramCount(), 2L * (in * experts + experts));
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> xv(std::size_t(rows) * in);
  for (auto& v : xv) v = d(rng);
  compute::Tensor x = cpu().alloc(rows, in);
  cpu().write(x, std::span<const float>(xv));
  router.route(x, false, 7, 3);
  QVERIFY(!router.gating().perturbed());
  const auto clean = router.gating().plan().rowExperts;
  router.route(x, true, 7, 3);
  QVERIFY(router.gating().perturbed());
  const auto noisy = router.gating().plan().rowExperts;
  QVERIFY(noisy != clean);  // noise of sigma ~2 moves choices
  QVERIFY(planProblem(router.gating().plan()).isEmpty());
  router.route(x, true, 7, 3);  // the same (seed, step): the same noise
  QCOMPARE(router.gating().plan().rowExperts, noisy);
  router.setNoiseScale(0.0);  // zero noise scale: the clean decision again
  router.route(x, true, 7, 3);
  QCOMPARE(router.gating().plan().rowExperts, clean);
}

void TestRouters::switchCapacity_data() {
  QTest::addColumn<double>("cf");
  QTest::addColumn<int>("rows");
  QTest::addColumn<int>("experts");
  QTest::newRow("cf 0.5") << 0.5 << 64 << 8;
  QTest::newRow("cf 1.0") << 1.0 << 64 << 8;
  QTest::newRow("cf 1.25 uneven") << 1.25 << 37 << 6;
  QTest::newRow("cf 2.0") << 2.0 << 50 << 4;
  QTest::newRow("cf 8 (no drops)") << 8.0 << 50 << 4;
}

void TestRouters::switchCapacity() {
  QFETCH(double, cf);
  QFETCH(int, rows);
  QFETCH(int, experts);
  const int capacity = int(std::ceil(cf * rows / experts));
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    // Skewed logits: expert 0 is popular, so capacity matters.
    auto z = randomLogits(rows, experts, seed);
    for (int r = 0; r < rows; ++r) z[std::size_t(r) * experts] += 1.0f;
    const auto g = route("switch", 1, cf, rows, experts, z);
    const DispatchPlan& p = g->plan();
    int argmaxCount0 = 0;
    for (int r = 0; r < rows; ++r) {
      const float* pr = &g->probs()[std::size_t(r) * experts];
      argmaxCount0 += std::max_element(pr, pr + experts) == pr;
    }
    for (int e = 0; e < experts; ++e) QVERIFY(p.load(e) <= capacity);
    QCOMPARE(p.slots() + int(p.dropped.size()), rows);
    QCOMPARE(p.dropped, p.unrouted);  // Switch rows want one expert: dropped = unrouted
    QCOMPARE(p.load(0), std::min(capacity, argmaxCount0));
    for (int r = 0; r < rows; ++r) {
      const int n = p.rowPtr[std::size_t(r) + 1] - p.rowPtr[std::size_t(r)];
      QVERIFY(n <= 1);
      if (n == 1) {  // the row's first choice, ungated by renormalisation
        const int j = p.rowPtr[std::size_t(r)];
        const float* pr = &g->probs()[std::size_t(r) * experts];
        QCOMPARE(p.rowExperts[std::size_t(j)], int(std::max_element(pr, pr + experts) - pr));
        QCOMPARE(p.rowGates[std::size_t(j)], pr[p.rowExperts[std::size_t(j)]]);
      }
    }
    if (capacity >= rows) QVERIFY(p.dropped.empty());
  }
}

void TestRouters::switchAllPreferOne_data() {
  QTest::addColumn<double>("cf");
  QTest::newRow("cf 1") << 1.0;
  QTest::newRow("cf 1.25") << 1.25;
  QTest::newRow("cf 2") << 2.0;
  QTest::newRow("cf 4 (= experts)") << 4.0;
}

void TestRouters::switchAllPreferOne() {
  QFETCH(double, cf);
  const int rows = 10, experts = 4;
  std::vector<float> z(std::size_t(rows) * experts, 0.0f);
  for (int r = 0; r < rows; ++r) z[std::size_t(r) * experts] = 3.0f;  // everyone wants expert 0
  const auto g = route("switch", 1, cf, rows, experts, z);
  const DispatchPlan& p = g->plan();
  const int capacity = int(std::ceil(cf * rows / experts));
  QCOMPARE(p.load(0), std::min(rows, capacity));
  for (int e = 1; e < experts; ++e) QCOMPARE(p.load(e), 0);
  // The first `capacity` rows get in; the rest are dropped, in row order.
  std::vector<std::int32_t> expectDropped;
  for (int r = capacity; r < rows; ++r) expectDropped.push_back(r);
  QCOMPARE(p.dropped, expectDropped);
  QCOMPARE(p.unrouted, expectDropped);
  const RoutingStats s = routingStats(p, g->probs());
  QCOMPARE(s.droppedFraction, double(expectDropped.size()) / rows);
  QCOMPARE(s.deadExperts, experts - 1);
}

void TestRouters::expertChoice_data() {
  QTest::addColumn<int>("k");
  QTest::addColumn<double>("cf");
  QTest::addColumn<int>("rows");
  QTest::addColumn<int>("experts");
  QTest::newRow("k2 cf1") << 2 << 1.0 << 64 << 8;
  QTest::newRow("k1 cf1") << 1 << 1.0 << 64 << 8;
  QTest::newRow("k2 cf1.25 uneven") << 2 << 1.25 << 37 << 6;
  QTest::newRow("k1 cf0.2 (unrouted rows)") << 1 << 0.2 << 40 << 4;
  QTest::newRow("capped at rows") << 4 << 4.0 << 10 << 4;
}

void TestRouters::expertChoice() {
  QFETCH(int, k);
  QFETCH(double, cf);
  QFETCH(int, rows);
  QFETCH(int, experts);
  const int capacity = std::min(rows, int(std::ceil(cf * k * rows / experts)));
  const auto z = randomLogits(rows, experts, 12);
  const auto g = route("expert-choice", k, cf, rows, experts, z);
  const DispatchPlan& p = g->plan();
  QVERIFY(p.dropped.empty());
  for (int e = 0; e < experts; ++e) {
    QCOMPARE(p.load(e), capacity);
    // Expert e took its `capacity` most probable rows.
    float smallestTaken = 2.0f;
    std::set<int> taken;
    for (int s = p.offsets[std::size_t(e)]; s < p.offsets[std::size_t(e) + 1]; ++s) {
      const int r = p.slotRow[std::size_t(s)];
      taken.insert(r);
      smallestTaken = std::min(smallestTaken, g->probs()[std::size_t(r) * experts + e]);
      QCOMPARE(p.slotGate[std::size_t(s)], g->probs()[std::size_t(r) * experts + e]);
    }
    for (int r = 0; r < rows; ++r)
      if (!taken.count(r)) QVERIFY(g->probs()[std::size_t(r) * experts + e] <= smallestTaken);
  }
  for (int r = 0; r < rows; ++r)  // first choice first
    for (int j = p.rowPtr[std::size_t(r)] + 1; j < p.rowPtr[std::size_t(r) + 1]; ++j)
      QVERIFY(p.rowGates[std::size_t(j)] <= p.rowGates[std::size_t(j) - 1]);
  if (capacity * experts < rows) QVERIFY(!p.unrouted.empty());
}

void TestRouters::auxLossValues() {
  // Perfectly balanced top-1 routing with uniform probabilities: Switch loss 1, CV^2 0.
  const int rows = 8, experts = 4;
  std::vector<float> z(std::size_t(rows) * experts, 0.0f);
  for (int r = 0; r < rows; ++r) z[std::size_t(r) * experts + std::size_t(r % experts)] = 1e-4f;
  auto g = route("switch", 1, 4.0, rows, experts, z);
  const AuxLosses a = g->gating.aux(LossConfig{1.0, 1.0, 1.0, 1.0});
  QVERIFY(std::fabs(a.switchLoss - 1.0) < 1e-3);
  QVERIFY(a.importanceLoss < 1e-6);
  QVERIFY(a.loadLoss < 1e-6);
  QVERIFY(std::fabs(a.zLoss - std::pow(std::log(4.0), 2)) < 1e-3);
  QVERIFY(std::fabs(a.weighted - (a.switchLoss + a.importanceLoss + a.loadLoss + a.zLoss)) < 1e-9);
  // Everything on expert 0: Switch loss -> N * 1 * P_0 -> close to N.
  std::vector<float> skew(std::size_t(rows) * experts, -10.0f);
  for (int r = 0; r < rows; ++r) skew[std::size_t(r) * experts] = 10.0f;
  auto h = route("topk", 1, 1.0, rows, experts, skew);
  const AuxLosses b = h->gating.aux(LossConfig{});
  QVERIFY(std::fabs(b.switchLoss - experts) < 1e-3);
  QVERIFY(std::fabs(b.importanceLoss - (experts - 1)) < 1e-3);  // CV^2 of (n,0,0,0) = E - 1
}

QTEST_GUILESS_MAIN(TestRouters)
#include "test_routers.moc"
