// The routing and balancing options of issue 11 and their building blocks: auxiliary-loss-free
// balancing (BalancingBias, selection bias, checkpoints), sigmoid scores and the route scale,
// Switch's drop policies, the balance scopes of the Switch loss (finite differences and values),
// the balanced assignment of BASE layers, Sinkhorn balancing and hash routing.
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <random>

#include "compute/cpu/cpu_backend.h"
#include "core/routing/balanced_assignment.h"
#include "core/routing/balancing_bias.h"
#include "core/routing/gating.h"
#include "core/routing/router_registry.h"
#include "core/routing/routers/hash_router.h"
#include "core/routing/routers/sinkhorn_router.h"
#include "core/train/checkpoint.h"
#include "tests/core/dataset_skips.h"
#include "tests/core/session_fixtures.h"

using namespace moe;
using namespace moe::core;

namespace {

std::vector<float> randomVector(std::size_t n, std::mt19937_64& rng, float lo = -2.0f,
                                float hi = 2.0f) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

/** One batch routed by a registered router on host logits, with the settings given. */
struct Routed {
  std::unique_ptr<RouterPolicy> policy;
  Gating g;
  RouterInput in;
  std::vector<float> z;
  std::vector<std::int32_t> positions;
};

std::unique_ptr<Routed> routed(compute::Backend& b, const std::string& router, int rows,
                               int experts, const RouterSettings& s, std::mt19937_64& rng) {
  auto f = std::make_unique<Routed>();
  RouterBuild build{b, 3, experts, rng};
  f->policy = findRouter(router).create(build);
  f->z = randomVector(std::size_t(rows) * experts, rng);
  f->in.rows = rows;
  f->in.experts = experts;
  f->in.logits = f->z.data();
  f->in.training = true;
  f->in.settings = s;
  f->g.forward(*f->policy, f->in);
  return f;
}

/** Max |analytic - central difference| over the logits, relative to the gradient's size. */
double gradientError(Routed& f, const LossConfig& w, const std::vector<float>& c) {
  auto objective = [&] {
    f.in.logits = f.z.data();
    f.g.forward(*f.policy, f.in);
    const DispatchPlan& p = f.g.plan();
    double v = f.g.aux(w).weighted;
    for (int r = 0; r < p.rows; ++r)
      for (int j = p.rowPtr[r]; j < p.rowPtr[r + 1]; ++j)
        v += double(c[std::size_t(r) * p.experts + p.rowExperts[std::size_t(j)]]) *
             p.rowGates[std::size_t(j)];
    return v;
  };
  objective();
  const DispatchPlan& p = f.g.plan();
  const std::vector<std::int32_t> experts = p.rowExperts;
  std::vector<float> dRowGates(p.rowGates.size());
  for (int r = 0; r < p.rows; ++r)
    for (int j = p.rowPtr[r]; j < p.rowPtr[r + 1]; ++j)
      dRowGates[std::size_t(j)] = c[std::size_t(r) * p.experts + p.rowExperts[std::size_t(j)]];
  std::vector<float> dz(f.z.size()), dh;
  f.g.backward(dRowGates.data(), dz.data(), dh);
  double worst = 0.0, scale = 1e-3;
  for (std::size_t i = 0; i < f.z.size(); ++i) {
    const float orig = f.z[i];
    const double eps = 1e-3;
    f.z[i] = orig + float(eps);
    const double up = objective();
    const bool same = f.g.plan().rowExperts == experts;
    f.z[i] = orig - float(eps);
    const double down = objective();
    f.z[i] = orig;
    if (!same || f.g.plan().rowExperts != experts) continue;  // a routing change: not smooth
    worst = std::max(worst, std::fabs((up - down) / (2 * eps) - dz[i]));
    scale = std::max(scale, std::fabs(double(dz[i])));
  }
  objective();
  return worst / scale;
}

}  // namespace

class TestRoutingOptions : public QObject {
  Q_OBJECT

 private:
  compute::CpuBackend mBackend{1};

 private Q_SLOTS:
  void biasMovesAgainstLoad();
  void biasSelectsButDoesNotGate();
  void biasKeptInCheckpoints();
  void sigmoidScoresAndRouteScale();
  void gradients_data();
  void gradients();
  void dropPolicies();
  void sequenceScopeAveragesSequences();
  void globalScopePoolsSteps();
  void balancedAssignmentIsOptimal();
  void sinkhornBalancesMarginals();
  void hashRoutesByIdOrProjection();
  void configKeys();
};

void TestRoutingOptions::biasMovesAgainstLoad() {
  BalancingBias off(4, 0.0);
  QVERIFY(!off.active());
  QVERIFY(off.values().empty());
  BalancingBias bias(4, 0.1);
  bias.update();  // nothing recorded: nothing moves
  QCOMPARE(bias.values(), std::vector<float>(4, 0.0f));
  // Three rows pick expert 0, one picks expert 1: 0 is overloaded, 2 and 3 idle.
  const std::vector<float> p{0.7f, 0.1f, 0.1f, 0.1f, 0.6f, 0.2f, 0.1f, 0.1f,
                             0.5f, 0.3f, 0.1f, 0.1f, 0.1f, 0.6f, 0.2f, 0.1f};
  bias.record(p, 4, 1);
  bias.update();
  const auto& b = bias.values();
  QVERIFY(b[0] < b[1] && b[1] < b[2] && b[2] == b[3]);  // mean load 1: -, 0, +, +
  QVERIFY(std::fabs(std::accumulate(b.begin(), b.end(), 0.0f)) < 1e-6f);  // centred
  QCOMPARE(b[2] - b[0], 0.2f);
  const std::vector<float> wrong{1.0f, 2.0f}, nan{0.0f, 0.0f, NAN, 0.0f};
  QVERIFY(!bias.set(wrong));
  QVERIFY(!bias.set(nan));
  QCOMPARE(bias.values()[2] - bias.values()[0], 0.2f);
}

void TestRoutingOptions::biasSelectsButDoesNotGate() {
  std::mt19937_64 rng(1);
  RouterSettings s;
  s.k = 1;
  for (const char* router : {"topk", "switch"}) {
    auto f = routed(mBackend, router, 6, 4, s, rng);
    const std::vector<float> p = f->g.probs();
    // A bias of 2 on expert 3 makes every row choose it; its gate stays the unbiased p.
    const std::vector<float> bias{0.0f, 0.0f, 0.0f, 2.0f};
    f->in.selectionBias = bias.data();
    f->in.settings.capacityFactor = 8.0;
    f->g.forward(*f->policy, f->in);
    const DispatchPlan& plan = f->g.plan();
    QCOMPARE(plan.load(3), 6);
    for (int r = 0; r < 6; ++r) {
      const float want = std::string(router) == "topk" ? 1.0f : p[std::size_t(r) * 4 + 3];
      QCOMPARE(plan.rowGates[std::size_t(r)], want);  // top-1 renormalised: 1
    }
  }
  QVERIFY(findRouter("topk").info.reads(RouterSetting::BiasUpdateRate));
  QVERIFY(findRouter("switch").info.reads(RouterSetting::BiasUpdateRate));
  QVERIFY(!findRouter("expert-choice").info.reads(RouterSetting::BiasUpdateRate));
}

void TestRoutingOptions::biasKeptInCheckpoints() {
  MOE_SKIP_WITHOUT_FASHION_MNIST();
  TrainConfig c = testing::smallMoeConfig(16, 3);
  c.model.router = "switch";
  c.model.topK = 1;
  c.model.biasUpdateRate = 0.01;
  c.loss.auxWeight = 0.0;
  const auto data = testing::smallFashionMnist();
  auto a = testing::makeSession(c, data);
  for (int i = 0; i < 3; ++i) a->trainStep();
  const std::vector<float> bias = a->model().moe()->router().selectionBias();
  QCOMPARE(bias.size(), std::size_t(4));
  QVERIFY(std::any_of(bias.begin(), bias.end(), [](float v) { return v != 0.0f; }));
  const StepMetrics m = a->trainStep();
  QCOMPARE(m.routerBias, a->model().moe()->router().selectionBias());
  const QString file = QDir::temp().filePath("moe_routing_options_bias.ckpt");
  a->save(file.toStdString());
  QCOMPARE(readCheckpoint(file.toStdString()).tensors.back().data, m.routerBias);
  const double next = a->trainStep().loss;

  auto b = testing::makeSession(c, data);
  b->load(file.toStdString());
  QCOMPARE(b->model().moe()->router().selectionBias(), m.routerBias);
  QCOMPARE(b->trainStep().loss, next);  // continues bit-identically
  // Without balancing the router keeps no state: such a session refuses the file.
  TrainConfig plain = c;
  plain.model.biasUpdateRate = 0.0;
  auto d = testing::makeSession(plain, data);
  QVERIFY(d->model().moe()->router().selectionBias().empty());
  QVERIFY_THROWS_EXCEPTION(CheckpointError, d->load(file.toStdString()));
  QFile::remove(file);
}

void TestRoutingOptions::sigmoidScoresAndRouteScale() {
  std::mt19937_64 rng(2);
  RouterSettings s;
  s.k = 2;
  s.score = ScoreFunction::Sigmoid;
  s.routeScale = 2.5f;
  auto f = routed(mBackend, "topk", 5, 4, s, rng);
  const DispatchPlan& p = f->g.plan();
  for (int r = 0; r < 5; ++r) {
    for (int e = 0; e < 4; ++e)
      QVERIFY(std::fabs(f->g.probs()[std::size_t(r) * 4 + e] -
                        1.0f / (1.0f + std::exp(-f->z[std::size_t(r) * 4 + e]))) < 1e-6f);
    float sum = 0.0f;
    for (int j = p.rowPtr[r]; j < p.rowPtr[r + 1]; ++j) sum += p.rowGates[std::size_t(j)];
    QVERIFY(std::fabs(sum - 2.5f) < 1e-5f);  // renormalised top-k, times the route scale
  }
  // A router that does not read them (hash) ignores both.
  auto h = routed(mBackend, "hash", 5, 4, s, rng);
  QCOMPARE(h->g.plan().rowGates, std::vector<float>(5, 1.0f));
}

void TestRoutingOptions::gradients_data() {
  QTest::addColumn<QString>("router");
  QTest::addColumn<int>("score");
  QTest::addColumn<double>("scale");
  QTest::addColumn<int>("scope");
  for (const RouterEntry& r : routerRegistry()) {
    if (!r.info.reads(RouterSetting::Score)) continue;
    const QString n = r.info.name;
    QTest::newRow(qPrintable(n + " sigmoid")) << n << int(ScoreFunction::Sigmoid) << 1.0 << 0;
    QTest::newRow(qPrintable(n + " scale 3")) << n << int(ScoreFunction::Softmax) << 3.0 << 0;
    QTest::newRow(qPrintable(n + " sigmoid scale 0.5 sequence"))
        << n << int(ScoreFunction::Sigmoid) << 0.5 << int(BalanceScope::Sequence);
    QTest::newRow(qPrintable(n + " global")) << n << int(ScoreFunction::Softmax) << 1.0
                                             << int(BalanceScope::Global);
  }
}

// Finite differences of (sum C .* gates + every aux loss) w.r.t. the logits.
void TestRoutingOptions::gradients() {
  QFETCH(QString, router);
  QFETCH(int, score);
  QFETCH(double, scale);
  QFETCH(int, scope);
  std::mt19937_64 rng(5);
  RouterSettings s;
  s.k = 2;
  s.capacityFactor = 4.0;
  s.score = ScoreFunction(score);
  s.routeScale = float(scale);
  auto f = routed(mBackend, router.toStdString(), 6, 4, s, rng);
  f->positions = {0, 1, 2, 0, 1, 0};  // three sequences
  f->in.positions = f->positions.data();
  LossConfig w{0.3, 0.2, 0.1, 0.05};
  w.balanceScope = BalanceScope(scope);
  w.balanceWindow = 3;
  const auto c = randomVector(f->z.size(), rng, -1.0f, 1.0f);
  const double error = gradientError(*f, w, c);
  QVERIFY2(error < 2e-2, qPrintable(QString("relative error %1").arg(error)));
}

void TestRoutingOptions::dropPolicies() {
  std::mt19937_64 rng(6);
  RouterSettings s;
  s.k = 1;
  s.capacityFactor = 0.5;  // capacity ceil(0.5 * 8 / 2) = 2 per expert
  // Every row wants expert 0 (logit 3 against 0); capacity keeps 2 of them.
  auto f = routed(mBackend, "switch", 8, 2, s, rng);
  for (int r = 0; r < 8; ++r) {
    f->z[std::size_t(r) * 2] = 3.0f + 0.1f * float((r * 5) % 8);
    f->z[std::size_t(r) * 2 + 1] = 0.0f;
  }
  auto kept = [&](DropPolicy policy, std::uint64_t step) {
    f->in.settings.dropPolicy = policy;
    f->in.step = step;
    f->g.forward(*f->policy, f->in);
    std::vector<int> rows;
    for (int r = 0; r < 8; ++r)
      if (f->g.plan().rowPtr[r + 1] > f->g.plan().rowPtr[r]) rows.push_back(r);
    if (f->g.plan().dropped.size() != 6) rows.push_back(-1);  // fails the comparisons below
    return rows;
  };
  QCOMPARE(kept(DropPolicy::Position, 0), (std::vector<int>{0, 1}));  // first come
  // Probability: rows whose expert-0 logit is highest: (r * 5) % 8 = 7, 6 -> rows 3, 6.
  QCOMPARE(kept(DropPolicy::Probs, 0), (std::vector<int>{3, 6}));
  const auto random1 = kept(DropPolicy::Random, 1);
  QCOMPARE(kept(DropPolicy::Random, 1), random1);  // reproducible
  bool differs = false;
  for (std::uint64_t step = 2; step < 8 && !differs; ++step) differs = kept(DropPolicy::Random, step) != random1;
  QVERIFY(differs);  // and another draw each step
  QCOMPARE(int(RouterSettings{}.dropPolicy), int(DropPolicy::Position));  // today's default
}

void TestRoutingOptions::sequenceScopeAveragesSequences() {
  std::mt19937_64 rng(7);
  RouterSettings s;
  auto f = routed(mBackend, "topk", 5, 3, s, rng);
  f->positions = {0, 1, 0, 1, 2};
  f->in.positions = f->positions.data();
  f->g.forward(*f->policy, f->in);
  LossConfig w{1.0, 0.0, 0.0, 0.0};
  w.balanceScope = BalanceScope::Sequence;
  const double sequence = f->g.aux(w).switchLoss;
  // The mean of the batch-scope loss of each sequence alone.
  auto part = [&](int from, int rows) {
    RouterInput in = f->in;
    in.rows = rows;
    in.logits = f->z.data() + from * 3;
    in.positions = nullptr;
    Gating g;
    g.forward(*f->policy, in);
    return g.aux(LossConfig{1.0, 0.0, 0.0, 0.0}).switchLoss;
  };
  QVERIFY(std::fabs(sequence - 0.5 * (part(0, 2) + part(2, 3))) < 1e-9);
  // Without positions every row is its own sequence: N * p(first choice) averaged.
  f->in.positions = nullptr;
  f->g.forward(*f->policy, f->in);
  double each = 0.0;
  for (int r = 0; r < 5; ++r) each += part(r, 1) / 5;
  QVERIFY(std::fabs(f->g.aux(w).switchLoss - each) < 1e-9);
}

void TestRoutingOptions::globalScopePoolsSteps() {
  std::mt19937_64 rng(8);
  RouterSettings s;
  auto f = routed(mBackend, "topk", 4, 2, s, rng);
  LossConfig batch{1.0, 0.0, 0.0, 0.0}, global = batch;
  global.balanceScope = BalanceScope::Global;
  global.balanceWindow = 2;
  // Step 1: every row prefers expert 0; step 2: every row prefers expert 1.
  f->z = {2, 0, 2, 0, 2, 0, 2, 0};
  f->g.forward(*f->policy, f->in);
  const double first = f->g.aux(global).switchLoss;
  QVERIFY(std::fabs(first - f->g.aux(batch).switchLoss) < 1e-12);  // one step: the batch's
  f->z = {0, 2, 0, 2, 0, 2, 0, 2};
  f->g.forward(*f->policy, f->in);
  // Pooled f = (1/2, 1/2), so the loss is N * 0.5 * sum P = 1 (P sums to 1).
  QVERIFY(std::fabs(f->g.aux(global).switchLoss - 1.0) < 1e-6);
  QVERIFY(f->g.aux(batch).switchLoss > 1.5);
}

void TestRoutingOptions::balancedAssignmentIsOptimal() {
  std::mt19937_64 rng(9);
  for (int trial = 0; trial < 30; ++trial) {
    const int rows = 3 + trial % 5, experts = 2 + trial % 3, cap = (rows + experts - 1) / experts;
    const auto score = randomVector(std::size_t(rows) * experts, rng);
    const std::vector<int> a = balancedAssignment(score.data(), rows, experts, cap);
    std::vector<int> count(std::size_t(experts), 0);
    double total = 0.0;
    for (int r = 0; r < rows; ++r) {
      ++count[std::size_t(a[std::size_t(r)])];
      total += score[std::size_t(r) * experts + a[std::size_t(r)]];
    }
    QVERIFY(*std::max_element(count.begin(), count.end()) <= cap);
    // Brute force over every assignment.
    double best = -1e30;
    std::vector<int> x(std::size_t(rows), 0);
    std::vector<int> used(static_cast<std::size_t>(experts), 0);
    for (;;) {
      std::fill(used.begin(), used.end(), 0);
      double v = 0.0;
      for (int r = 0; r < rows; ++r) {
        v += score[std::size_t(r) * experts + x[std::size_t(r)]];
        ++used[std::size_t(x[std::size_t(r)])];
      }
      if (*std::max_element(used.begin(), used.end()) <= cap) best = std::max(best, v);
      int i = 0;
      while (i < rows && ++x[std::size_t(i)] == experts) x[std::size_t(i++)] = 0;
      if (i == rows) break;
    }
    QVERIFY2(std::fabs(total - best) < 1e-5, qPrintable(QString("trial %1: %2 vs best %3").arg(trial).arg(total).arg(best)));
  }
  QVERIFY_THROWS_EXCEPTION(std::invalid_argument, balancedAssignment(nullptr, 5, 2, 2));
}

void TestRoutingOptions::sinkhornBalancesMarginals() {
  std::mt19937_64 rng(10);
  const int rows = 12, experts = 4;
  auto z = randomVector(std::size_t(rows) * experts, rng, -3.0f, 3.0f);
  for (int r = 0; r < rows; ++r) z[std::size_t(r) * experts] += 7.0f;  // all prefer expert 0
  const auto b = SinkhornRouter::balance(z.data(), rows, experts, 1e-9);
  for (int r = 0; r < rows; ++r) {
    double sum = 0.0;
    for (int e = 0; e < experts; ++e) sum += b[std::size_t(r) * experts + e];
    QVERIFY(std::fabs(sum - 1.0 / rows) < 1e-6);
  }
  for (int e = 0; e < experts; ++e) {
    double sum = 0.0;
    for (int r = 0; r < rows; ++r) sum += b[std::size_t(r) * experts + e];
    QVERIFY(std::fabs(sum - 1.0 / experts) < 1e-6);
  }
  // In training the router spreads the rows; at test time they all take expert 0.
  RouterSettings s;
  auto f = routed(mBackend, "sinkhorn", rows, experts, s, rng);
  f->z = z;
  f->g.forward(*f->policy, f->in);
  QVERIFY(f->g.plan().load(0) < rows);
  f->in.training = false;
  f->g.forward(*f->policy, f->in);
  QCOMPARE(f->g.plan().load(0), rows);
}

void TestRoutingOptions::hashRoutesByIdOrProjection() {
  std::mt19937_64 rng(11);
  RouterSettings s;
  auto f = routed(mBackend, "hash", 8, 4, s, rng);
  const std::vector<std::int32_t> ids{5, 9, 5, 1, 9, 7, 5, 2};
  f->in.tokenIds = ids.data();
  f->g.forward(*f->policy, f->in);
  for (int r = 0; r < 8; ++r)
    QCOMPARE(f->g.plan().rowExperts[std::size_t(r)], HashRouter::expertOf(std::uint64_t(ids[std::size_t(r)]), 4));
  QVERIFY(f->policy->parameters().empty());
  // Keys spread evenly over the experts.
  std::vector<int> count(8, 0);
  for (std::uint64_t key = 0; key < 8000; ++key) ++count[std::size_t(HashRouter::expertOf(key, 8))];
  for (int c : count) QVERIFY(c > 900 && c < 1100);
  // Without ids: the input's random projection; the same input, the same expert.
  compute::Tensor x = mBackend.alloc(8, 3);
  std::vector<float> xs = randomVector(24, rng);
  for (int j = 0; j < 3; ++j) xs[std::size_t(4 * 3 + j)] = xs[std::size_t(j)];  // row 4 = row 0
  mBackend.write(x, std::span<const float>(xs));
  f->in.tokenIds = nullptr;
  f->in.x = &x;
  f->g.forward(*f->policy, f->in);
  QCOMPARE(f->g.plan().rowExperts[4], f->g.plan().rowExperts[0]);
}

void TestRoutingOptions::configKeys() {
  TrainConfig c;
  nlohmann::json j = {{"score", "sigmoid"}, {"route_scale", 2.0}, {"bias_update_rate", 0.001},
                      {"drop_policy", "random"}, {"balance_scope", "global"},
                      {"balance_window", 8}};
  from_json(j, c);
  c.validate();
  QCOMPARE(int(c.model.score), int(ScoreFunction::Sigmoid));
  QCOMPARE(int(c.model.dropPolicy), int(DropPolicy::Random));
  QCOMPARE(int(c.loss.balanceScope), int(BalanceScope::Global));
  nlohmann::json back;
  to_json(back, c);
  QCOMPARE(back.at("drop_policy").get<std::string>(), std::string("random"));
  QVERIFY_THROWS_EXCEPTION(ConfigError, from_json(nlohmann::json{{"score", "tanh"}}, c));
  QVERIFY_THROWS_EXCEPTION(ConfigError, from_json(nlohmann::json{{"drop_policy", "last"}}, c));
  c.model.routeScale = 0.0;
  QVERIFY_THROWS_EXCEPTION(ConfigError, c.validate());
  c.model.routeScale = 1.0;
  c.model.biasUpdateRate = -1.0;
  QVERIFY_THROWS_EXCEPTION(ConfigError, c.validate());
  // Defaults: today's behaviour.
  const TrainConfig d;
  QCOMPARE(int(d.model.score), int(ScoreFunction::Softmax));
  QCOMPARE(d.model.routeScale, 1.0);
  QCOMPARE(d.model.biasUpdateRate, 0.0);
  QCOMPARE(int(d.loss.balanceScope), int(BalanceScope::Batch));
}

QTEST_GUILESS_MAIN(TestRoutingOptions)
#include "test_routing_options.moc"
