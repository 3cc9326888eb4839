// How each test input was routed across evaluations (core/routing/routing_history.h): the
// history query against hand-made frames and hand-computed reports, its bound, and in a real
// session its clearing on load and the inspector's margin against the evaluation's.
#include <QtTest>

#include <cmath>

#include "core/routing/router_diagnostics.h"
#include "core/routing/routing_history.h"
#include "core/model/moe_layer.h"
#include "core/task/task.h"
#include "dataset_skips.h"
#include "session_fixtures.h"

using namespace moe::core;

namespace {

// One frame of 2 rows, k = 2: row r's experts {a_r, b_r}, top gate and margin given.
std::shared_ptr<const RoutingFrame> frame(long step, std::vector<std::int32_t> experts,
                                          std::vector<float> gate, std::vector<float> margin) {
  auto f = std::make_shared<RoutingFrame>();
  f->step = step;
  f->k = 2;
  f->rows = int(experts.size() / 2);
  f->experts = std::move(experts);
  f->topGate = std::move(gate);
  f->margin = std::move(margin);
  return f;
}

EvalReport report(long step, std::vector<float> probs) {
  EvalReport r;
  r.step = step;
  r.experts = 3;
  r.k = 1;
  r.gateProbs = std::move(probs);
  return r;
}

}  // namespace

class TestRoutingHistory : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void queryReturnsEachEvaluationOfOneRow() {
    RoutingHistory h(5);
    h.add(frame(100, {0, 1, 2, 3}, {0.6f, 0.5f}, {0.3f, 0.1f}));
    h.add(frame(200, {1, 0, 2, 3}, {0.7f, 0.4f}, {0.2f, 0.05f}));
    h.add(frame(300, {1, 3, 3, 2}, {0.8f, 0.45f}, {0.4f, 0.0f}));
    QCOMPARE(h.evaluations(), 3);
    QCOMPARE(h.rows(), 2);
    const std::vector<RoutingHistoryEntry> r0 = h.of(0);
    QCOMPARE(int(r0.size()), 3);
    QCOMPARE(r0[0].step, 100L);
    QCOMPARE(r0[0].experts, (std::vector<std::int32_t>{0, 1}));
    QCOMPARE(r0[1].experts, (std::vector<std::int32_t>{1, 0}));
    QCOMPARE(r0[2].experts, (std::vector<std::int32_t>{1, 3}));
    QCOMPARE(r0[1].topGate, 0.7f);
    QCOMPARE(r0[2].margin, 0.4f);
    const std::vector<RoutingHistoryEntry> r1 = h.of(1);
    QCOMPARE(r1[0].experts, (std::vector<std::int32_t>{2, 3}));
    QCOMPARE(r1[2].experts, (std::vector<std::int32_t>{3, 2}));
    QCOMPARE(r1[2].step, 300L);
    QCOMPARE(r1[1].topGate, 0.4f);
    QVERIFY(h.of(2).empty());   // outside the split
    QVERIFY(h.of(-1).empty());
  }

  void keepsOnlyTheLastDepthEvaluations() {
    RoutingHistory h(3);
    for (long s = 1; s <= 5; ++s) h.add(frame(s * 10, {int(s % 3), 0, 1, 2}, {0.5f, 0.5f}, {0.f, 0.f}));
    QCOMPARE(h.evaluations(), 3);
    const auto e = h.of(0);
    QCOMPARE(int(e.size()), 3);
    QCOMPARE(e[0].step, 30L);
    QCOMPARE(e[0].experts[0], 0);  // 3 % 3
    QCOMPARE(e[2].step, 50L);
    QCOMPARE(e[2].experts[0], 2);  // 5 % 3
  }

  void anotherSplitSizeStartsAnew() {
    RoutingHistory h(4);
    h.add(frame(10, {0, 1, 2, 3}, {0.5f, 0.5f}, {0.f, 0.f}));
    h.add(frame(20, {0, 1}, {0.5f}, {0.f}));  // one row now
    QCOMPARE(h.evaluations(), 1);
    QCOMPARE(h.rows(), 1);
    QCOMPARE(h.of(0)[0].step, 20L);
  }

  void trackerPublishesHandComputedHistory() {
    // 3 experts, k = 1, 2 rows. Row 0: E0 (0.7, margin 0.5), then E1 (0.6, margin 0.3),
    // then E1 (0.9, margin 0.85). Row 1: E2 throughout.
    RoutingTracker tracker(0.15);
    EvalReport a = report(10, {0.7f, 0.2f, 0.1f, 0.1f, 0.3f, 0.6f});
    EvalReport b = report(20, {0.3f, 0.6f, 0.1f, 0.2f, 0.2f, 0.6f});
    EvalReport c = report(30, {0.05f, 0.9f, 0.05f, 0.1f, 0.1f, 0.8f});
    tracker.observe(a);
    tracker.observe(b);
    tracker.observe(c);
    QVERIFY(a.routingHistory && b.routingHistory && c.routingHistory);
    QCOMPARE(a.routingHistory->evaluations(), 1);  // each report keeps what was known then
    QCOMPARE(c.routingHistory->evaluations(), 3);
    const auto r0 = c.routingHistory->of(0);
    QCOMPARE(int(r0.size()), 3);
    const long steps[] = {10, 20, 30};
    const int first[] = {0, 1, 1};
    const float gate[] = {0.7f, 0.6f, 0.9f}, margin[] = {0.5f, 0.3f, 0.85f};
    for (int i = 0; i < 3; ++i) {
      QCOMPARE(r0[std::size_t(i)].step, steps[i]);
      QCOMPARE(r0[std::size_t(i)].experts, (std::vector<std::int32_t>{first[i]}));
      QCOMPARE(r0[std::size_t(i)].topGate, gate[i]);
      QVERIFY(std::fabs(r0[std::size_t(i)].margin - margin[i]) < 1e-6f);
    }
    for (const RoutingHistoryEntry& e : c.routingHistory->of(1))
      QCOMPARE(e.experts, (std::vector<std::int32_t>{2}));
    QCOMPARE(c.stability, 1.0);  // row 0 moved from E0 at step 10 to E1 at 20, not since
    QCOMPARE(b.stability, 0.5);
    tracker.clear();
    EvalReport d = report(40, {0.7f, 0.2f, 0.1f, 0.1f, 0.3f, 0.6f});
    tracker.observe(d);
    QCOMPARE(d.routingHistory->evaluations(), 1);
    QVERIFY(std::isnan(d.stability));  // cleared: nothing earlier to compare with
  }

  void trackerIsBoundedAndSaturationFollowsTheBound() {
    RoutingTracker tracker(0.15);
    const int n = RoutingHistory::kDefaultDepth + 5;
    EvalReport last;
    for (int i = 1; i <= n; ++i) {
      last = report(i, {0.7f, 0.2f, 0.1f, 0.1f, 0.3f, 0.6f});
      tracker.observe(last);
    }
    QCOMPARE(tracker.history().evaluations(), RoutingHistory::kDefaultDepth);
    QCOMPARE(last.routingHistory->of(0).front().step, long(n - RoutingHistory::kDefaultDepth + 1));
    QCOMPARE(last.routingHistory->of(0).back().step, long(n));
    // The last report compared itself with the depth evaluations kept before it.
    QCOMPARE(int(last.saturationSteps.size()), RoutingHistory::kDefaultDepth);
    QCOMPARE(last.saturationSteps.front(), long(n - RoutingHistory::kDefaultDepth));
  }

  void sessionHistoryFollowsEvaluationsAndClearsOnLoad() {
    MOE_SKIP_WITHOUT_FASHION_MNIST();
    auto data = testing::smallFashionMnist();
    auto s = testing::makeSession(testing::smallMoeConfig(16, 3), data);
    const QString path = QDir::temp().filePath(QStringLiteral("moe_routing_history_%1.ckpt")
                                                   .arg(QCoreApplication::applicationPid()));
    std::shared_ptr<const EvalReport> r;
    for (int e = 0; e < 3; ++e) {
      for (int i = 0; i < 2; ++i) s->trainStep();
      r = s->evaluate();
      if (e == 0) s->save(path.toStdString());
    }
    QVERIFY(r->routingHistory);
    QCOMPARE(r->routingHistory->evaluations(), 3);
    QCOMPARE(r->routingHistory->rows(), data->test.rows());
    const auto h = r->routingHistory->of(7);
    QCOMPARE(h.back().step, s->step());
    QCOMPARE(h.front().step, 2L);
    // The last entry is the report's own routing: the preferred experts of its gate, its margin.
    const std::vector<std::int32_t> want =
        preferredExperts(r->gateProbs.data() + 7 * std::size_t(r->experts), 1, r->experts, r->k);
    QCOMPARE(h.back().experts, want);
    QCOMPARE(h.back().margin, r->rowMargins[7]);
    // The inspector's margin of an input is the evaluation's, at the same weights.
    const Inspection in = s->inspect(7);
    QCOMPARE(in.step, r->step);
    const std::vector<float> m = topkMargins(in.gateProbs.data(), 1, int(in.gateProbs.size()),
                                             expertsPerRow(s->config().model));
    QVERIFY(std::fabs(m[0] - r->rowMargins[7]) < 1e-5f);
    // Loading replaces the weights: their history starts anew.
    s->load(path.toStdString());
    r = s->evaluate();
    QCOMPARE(r->routingHistory->evaluations(), 1);
    QCOMPARE(r->routingHistory->of(7).front().step, 2L);
    QFile::remove(path);
  }

  void stepMarginsOfFineGrainedExpertsUseTheRoutersWidth() {
    // With --expert-split 2 the router sees experts x 2 columns and chooses top-k x 2.
    MOE_SKIP_WITHOUT_FASHION_MNIST();
    TrainConfig c = testing::smallMoeConfig(16, 4);
    c.model.expertSplit = 2;
    auto s = testing::makeSession(c, testing::smallFashionMnist());
    const StepMetrics m = s->trainStep();
    const std::vector<float>& probs = s->model().moe()->probs();
    const int E = c.model.routedExperts(), rows = int(probs.size()) / E;
    QCOMPARE(rows, c.batchSize);
    const MarginSummary want = summarizeMargins(topkMargins(probs.data(), rows, E, c.model.routedTopK()),
                                                c.health.fragileMargin);
    QVERIFY(std::fabs(m.marginMean - want.mean) < 1e-9);
    QCOMPARE(m.fragileFraction, want.fragile);
  }

  void inspectorMarginIsTheEvaluationsForPatchTokens() {
    // A patch input lists in `chosen` every expert one of its patches took; its margin is the
    // router's top-k margin of its mean gate, as the evaluation measures it.
    MOE_SKIP_WITHOUT_FASHION_MNIST();
    TrainConfig c = testing::smallMoeConfig(16, 5);
    c.model.kind = ModelKind::PatchMoe;
    c.model.patchSize = 7;
    auto s = testing::makeSession(c, testing::smallFashionMnist());
    for (int i = 0; i < 3; ++i) s->trainStep();
    const auto r = s->evaluate();
    const int k = expertsPerRow(s->config().model);
    QCOMPARE(k, r->k);
    int wider = 0;
    for (int row = 0; row < 20; ++row) {
      const Inspection in = s->inspect(row);
      wider += int(in.chosen.size()) > k;
      const std::vector<float> m = topkMargins(in.gateProbs.data(), 1, int(in.gateProbs.size()), k);
      QVERIFY(std::fabs(m[0] - r->rowMargins[std::size_t(row)]) < 1e-5f);
      QCOMPARE(r->routingHistory->of(row).back().margin, r->rowMargins[std::size_t(row)]);
    }
    QVERIFY(wider > 0);  // the case where chosen.size() was the wrong k
  }
};

QTEST_GUILESS_MAIN(TestRoutingHistory)
#include "test_routing_history.moc"
