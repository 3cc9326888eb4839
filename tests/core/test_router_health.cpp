// Router diagnostics against hand-computed cases, and the alarms' episodes.
#include <QtTest>

#include <cmath>

#include "compute/cpu/cpu_backend.h"
#include "core/model/expert_bank.h"
#include "core/routing/router_diagnostics.h"
#include "core/train/router_health.h"

using namespace moe::core;

namespace {

StepMetrics stepWithLoad(long step, std::vector<float> load, double dropped = 0.0,
                         double loss = 1.0) {
  StepMetrics m;
  m.step = step;
  m.loss = loss;
  m.routing.load = std::move(load);
  m.routing.droppedFraction = dropped;
  return m;
}

HealthConfig quickConfig() {
  HealthConfig c;
  c.window = 3;
  return c;
}

}  // namespace

class TestRouterHealth : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void expertNormsOfAHandComputedBank() {
    // Two linear experts 2 -> 1. W1 = [1 2 | 3 4] (expert 0's rows, then expert 1's), b1 =
    // [0.5, -1]. Expert 0 gets x = (1, 2) with dy = 1, expert 1 gets x = (3, 0) with dy = 2.
    moe::compute::CpuBackend backend(1);
    std::mt19937_64 rng(0);
    ExpertBank bank(backend, 2, 2, 0, 1, moe::compute::Activation::Relu, rng);
    const std::vector<Parameter*> p = bank.parameters();
    const std::vector<float> w1 = {1, 2, 3, 4}, b1 = {0.5f, -1};
    backend.write(p[0]->value, w1);
    backend.write(p[1]->value, b1);
    moe::compute::Tensor xe = backend.alloc(2, 2), dye = backend.alloc(2, 1);
    const std::vector<float> x = {1, 2, 3, 0}, dy = {1, 2};
    backend.write(xe, x);
    backend.write(dye, dy);
    const std::vector<int> offsets = {0, 1, 2};
    bank.forward(xe, offsets);
    bank.backward(dye, nullptr);
    std::vector<float> grad, weight;
    bank.expertNorms(grad, weight);
    QCOMPARE(grad.size(), std::size_t(2));
    // Gradients: expert 0 dW = x^T dy = (1, 2), db = 1; expert 1 dW = (6, 0), db = 2.
    QVERIFY(std::abs(grad[0] - std::sqrt(6.0f)) < 1e-5f);
    QVERIFY(std::abs(grad[1] - std::sqrt(40.0f)) < 1e-5f);
    QVERIFY(std::abs(weight[0] - std::sqrt(5.25f)) < 1e-5f);
    QVERIFY(std::abs(weight[1] - std::sqrt(26.0f)) < 1e-5f);
  }

  void expertWeightNormsOfWideBlocks() {
    // Blocks longer than the eight-lane sum (3 experts x 37 x 5 weights), against a plain sum.
    moe::compute::CpuBackend backend(1);
    std::mt19937_64 rng(3);
    ExpertBank bank(backend, 3, 37, 0, 5, moe::compute::Activation::Relu, rng);
    const std::vector<float> w = moe::compute::toHost(backend, bank.parameters()[0]->value);
    const std::vector<float> b = moe::compute::toHost(backend, bank.parameters()[1]->value);
    std::vector<float> grad, weight;
    bank.expertNorms(grad, weight);
    for (int e = 0; e < 3; ++e) {
      double sum = 0.0;
      for (int i = 0; i < 37 * 5; ++i) sum += double(w[e * 185 + i]) * w[e * 185 + i];
      for (int i = 0; i < 5; ++i) sum += double(b[e * 5 + i]) * b[e * 5 + i];
      QVERIFY2(std::abs(weight[std::size_t(e)] - std::sqrt(sum)) < 1e-5 * std::sqrt(sum),
               qPrintable(QString("%1: %2 vs %3").arg(e).arg(weight[std::size_t(e)]).arg(std::sqrt(sum))));
    }
  }

  void marginsOfAHandComputedBatch() {
    // 3 rows x 4 experts. k = 2: margin = 2nd largest - 3rd largest.
    const std::vector<float> p = {0.5f, 0.3f, 0.1f, 0.1f,     // 0.3 - 0.1 = 0.2
                                  0.25f, 0.25f, 0.25f, 0.25f,  // tie: 0
                                  0.1f, 0.6f, 0.28f, 0.02f};   // 0.28 - 0.1 = 0.18
    const std::vector<float> m = topkMargins(p.data(), 3, 4, 2);
    QCOMPARE(m.size(), std::size_t(3));
    QVERIFY(std::fabs(m[0] - 0.2f) < 1e-6f);
    QCOMPARE(m[1], 0.0f);
    QVERIFY(std::fabs(m[2] - 0.18f) < 1e-6f);
    const MarginSummary s = summarizeMargins(m, 0.19);
    QVERIFY(std::fabs(s.mean - (0.2 + 0.0 + 0.18) / 3.0) < 1e-6);
    QCOMPARE(s.fragile, 2.0 / 3.0);  // 0 and 0.18 are under 0.19
    // k = 1: the top-1 margin of the first row is 0.5 - 0.3.
    QVERIFY(std::fabs(topkMargins(p.data(), 3, 4, 1)[0] - 0.2f) < 1e-6f);
    // No rejected expert (k = experts): nothing to measure.
    const std::vector<float> none = topkMargins(p.data(), 3, 4, 4);
    QVERIFY(std::isnan(none[0]));
    QVERIFY(std::isnan(summarizeMargins(none, 0.1).mean));
  }

  void logitScaleIsTheMeanAbsoluteLogit() {
    QCOMPARE(logitScale({1.0f, -3.0f, 0.5f, -0.5f}), 1.25);
    QVERIFY(std::isnan(logitScale({})));
  }

  void coactivationOfAHandComputedBatch() {
    // k = 2, 3 experts: rows {0,1}, {0,2}, {0,1}, {1,-1} (a row that lost its second expert).
    const std::vector<std::int32_t> top = {0, 1, 0, 2, 0, 1, 1, -1};
    const std::vector<float> c = coactivation(top, 4, 2, 3);
    QCOMPARE(c.size(), std::size_t(9));
    // Expert 0 is used by 3 rows: with 1 in 2 of them, with 2 in 1.
    QCOMPARE(c[0 * 3 + 0], 1.0f);
    QVERIFY(std::fabs(c[0 * 3 + 1] - 2.0f / 3.0f) < 1e-6f);
    QVERIFY(std::fabs(c[0 * 3 + 2] - 1.0f / 3.0f) < 1e-6f);
    // Expert 1 is used by 3 rows, 2 of them with expert 0, none with 2.
    QVERIFY(std::fabs(c[1 * 3 + 0] - 2.0f / 3.0f) < 1e-6f);
    QCOMPARE(c[1 * 3 + 2], 0.0f);
    // Expert 2: one row, with expert 0.
    QCOMPARE(c[2 * 3 + 0], 1.0f);
    QCOMPARE(c[2 * 3 + 1], 0.0f);
    QVERIFY(coactivation(top, 8, 1, 3).empty());  // k = 1: nothing to co-activate
  }

  void stabilityAndSaturationOfHandComputedSets() {
    // k = 2, 4 rows. Row 0 unchanged; row 1 swaps order (first choice changes, same set);
    // row 2 keeps its first and replaces its second; row 3 changes both.
    const std::vector<std::int32_t> a = {0, 1, 2, 3, 1, 2, 0, 3};
    const std::vector<std::int32_t> b = {0, 1, 3, 2, 1, 0, 2, 1};
    QCOMPARE(firstChoiceAgreement(a, b, 4, 2), 0.5);
    QCOMPARE(topkOverlap(a, b, 4, 2), (1.0 + 1.0 + 0.5 + 0.0) / 4.0);
    QCOMPARE(topkOverlap(a, a, 4, 2), 1.0);
  }

  void preferredExpertsBreakTiesToTheLowerIndex() {
    const std::vector<float> p = {0.1f, 0.4f, 0.4f, 0.1f};
    QCOMPARE(preferredExperts(p.data(), 1, 4, 2), (std::vector<std::int32_t>{1, 2}));
  }

  void trackerComparesEachEvaluationWithTheEarlierOnes() {
    RoutingTracker tracker(0.15);
    auto report = [](long step, std::vector<float> probs) {
      EvalReport r;
      r.step = step;
      r.experts = 3;
      r.k = 1;
      r.gateProbs = std::move(probs);
      r.topExperts = preferredExperts(r.gateProbs.data(), 2, 3, 1);
      return r;
    };
    EvalReport first = report(10, {0.7f, 0.2f, 0.1f, 0.1f, 0.3f, 0.6f});
    tracker.observe(first);
    QVERIFY(std::isnan(first.stability));  // nothing to compare with yet
    QVERIFY(std::fabs(first.marginMean - (0.5 + 0.3) / 2.0) < 1e-6);
    QCOMPARE(first.fragileFraction, 0.0);
    EvalReport second = report(20, {0.2f, 0.7f, 0.1f, 0.1f, 0.3f, 0.6f});  // row 0 moved
    tracker.observe(second);
    QCOMPARE(second.stability, 0.5);
    QCOMPARE(second.saturation, 0.5);
    QCOMPARE(second.previousTop1, (std::vector<std::int32_t>{0, 2}));
    EvalReport third = report(30, {0.2f, 0.7f, 0.1f, 0.1f, 0.3f, 0.6f});
    tracker.observe(third);
    QCOMPARE(third.saturationSteps, (std::vector<long>{10, 20}));
    QCOMPARE(third.saturationCurve, (std::vector<float>{0.5f, 1.0f}));
    QCOMPARE(third.stability, 1.0);
  }

  void collapseFiresOncePerEpisodeNamingTheExpert() {
    RouterHealth h(quickConfig(), 4, 100);
    const std::vector<float> collapsed = {0.7f, 0.1f, 0.1f, 0.1f}, even(4, 0.25f);
    long step = 0;
    for (int i = 0; i < 2; ++i) h.observe(stepWithLoad(++step, collapsed));
    QVERIFY(h.events().empty());  // not yet a window
    for (int i = 0; i < 5; ++i) h.observe(stepWithLoad(++step, collapsed));
    QCOMPARE(h.events().size(), std::size_t(1));
    QCOMPARE(h.events()[0].kind, std::string("collapse"));
    QCOMPARE(h.events()[0].step, 3L);
    QCOMPARE(h.events()[0].experts, std::vector<int>{0});
    QVERIFY(h.events()[0].remedy.find("--aux-loss") != std::string::npos);
    // Two even steps do not end the episode; a whole window does, and it can fire again.
    for (int i = 0; i < 2; ++i) h.observe(stepWithLoad(++step, even));
    for (int i = 0; i < 3; ++i) h.observe(stepWithLoad(++step, collapsed));
    QCOMPARE(h.events().size(), std::size_t(1));
    for (int i = 0; i < 3; ++i) h.observe(stepWithLoad(++step, even));
    for (int i = 0; i < 3; ++i) h.observe(stepWithLoad(++step, collapsed));
    QCOMPARE(h.events().size(), std::size_t(2));
  }

  void deadExpertAndDrops() {
    RouterHealth h(quickConfig(), 4, 100);
    for (long s = 1; s <= 3; ++s) h.observe(stepWithLoad(s, {0.4f, 0.3f, 0.3f, 0.0f}, 0.2));
    QCOMPARE(h.events().size(), std::size_t(2));
    QCOMPARE(h.events()[0].kind, std::string("dead_expert"));
    QCOMPARE(h.events()[0].experts, std::vector<int>{3});
    QCOMPARE(h.events()[1].kind, std::string("drops"));
    QCOMPARE(h.events()[1].experts, (std::vector<int>{0, 1, 2}));  // above their fair share
  }

  void lossSpikeChurnAndNonFinite() {
    RouterHealth h(quickConfig(), 2, 100);
    const std::vector<float> even(2, 0.5f);
    for (long s = 1; s <= 5; ++s) h.observe(stepWithLoad(s, even, 0.0, 1.0));
    h.observe(stepWithLoad(6, even, 0.0, 4.0));
    QCOMPARE(h.events().size(), std::size_t(1));
    QCOMPARE(h.events()[0].kind, std::string("loss_spike"));
    EvalReport early;
    early.step = 20;
    early.stability = 0.5;
    h.observe(early);  // early in training: routing may still move
    QCOMPARE(h.events().size(), std::size_t(1));
    EvalReport late = early;
    late.step = 60;
    h.observe(late);
    QCOMPARE(h.events().back().kind, std::string("churn"));
    h.nonFinite(61, "the loss became NaN");
    QCOMPARE(h.events().back().kind, std::string("non_finite"));
    QCOMPARE(h.events().back().step, 61L);
  }

  void thresholdsOfZeroAndDiagnosticsOffSilenceAlarms() {
    HealthConfig c = quickConfig();
    c.collapseFactor = 0.0;
    c.dropRate = 0.0;
    RouterHealth h(c, 2, 100);
    for (long s = 1; s <= 5; ++s) h.observe(stepWithLoad(s, {1.0f, 0.0f}, 0.5));
    QCOMPARE(h.events().size(), std::size_t(1));  // dead expert 1 only
    c = quickConfig();
    c.diagnostics = 0;
    RouterHealth off(c, 2, 100);
    for (long s = 1; s <= 5; ++s) off.observe(stepWithLoad(s, {1.0f, 0.0f}, 0.5));
    QVERIFY(off.events().empty());
  }

  void eventNamesAndJson() {
    QCOMPARE(parseRouterEventKind("dead"), std::string("dead_expert"));
    QCOMPARE(parseRouterEventKind("collapse"), std::string("collapse"));
    QVERIFY(parseRouterEventKind("collapsed").empty());
    const RouterEvent e{"collapse", 7, {2, 5}, "m \"q\"", "r"};
    QCOMPARE(routerEventJson(e), std::string("{\"event\":\"collapse\",\"step\":7,\"experts\":[2,5],"
                                             "\"message\":\"m \\\"q\\\"\",\"remedy\":\"r\"}"));
  }
};

QTEST_APPLESS_MAIN(TestRouterHealth)
#include "test_router_health.moc"
