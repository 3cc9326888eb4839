// Routing statistics on handmade plans (RoutingAccumulator, routingStats: load, importance,
// CV, MaxVio, dead experts, drops, entropy, class x expert counts; one-row and weighted plans)
// and the class/expert mutual information.
#include <QtTest>

#include <cmath>
#include <numeric>
#include <vector>

#include "core/routing/routing_stats.h"
#include "tests/core/plan_checks.h"

using namespace moe;
using namespace moe::core;
using moe::testing::planProblem;

namespace {

/** A handmade plan from per-row (expert, gate) choices, built independently of Gating. */
DispatchPlan makePlan(int experts, const std::vector<std::vector<std::pair<int, float>>>& rows,
                      std::vector<std::int32_t> dropped = {}) {
  DispatchPlan p;
  p.rows = int(rows.size());
  p.experts = experts;
  p.offsets.assign(std::size_t(experts) + 1, 0);
  for (const auto& c : rows)
    for (const auto& [e, g] : c) ++p.offsets[std::size_t(e) + 1];
  std::partial_sum(p.offsets.begin(), p.offsets.end(), p.offsets.begin());
  const int S = p.offsets.back();
  p.slotRow.assign(std::size_t(S), 0);
  p.slotGate.assign(std::size_t(S), 0.0f);
  p.slotRank.assign(std::size_t(S), 0);
  std::vector<int> fill(p.offsets.begin(), p.offsets.end() - 1);
  p.rowPtr.push_back(0);
  for (int r = 0; r < p.rows; ++r) {
    int rank = 0;
    for (const auto& [e, g] : rows[std::size_t(r)]) {
      const int s = fill[std::size_t(e)]++;
      p.slotRow[std::size_t(s)] = r;
      p.slotGate[std::size_t(s)] = g;
      p.slotRank[std::size_t(s)] = rank++;
      p.rowSlots.push_back(s);
      p.rowGates.push_back(g);
      p.rowExperts.push_back(e);
    }
    if (rows[std::size_t(r)].empty()) p.unrouted.push_back(r);
    p.rowPtr.push_back(std::int32_t(p.rowSlots.size()));
  }
  p.dropped = std::move(dropped);
  return p;
}

}  // namespace

class TestRoutingStats : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void accumulatorStats();
  void accumulatorSumsPlans();
  void weightedPlanAnalyses();
  void mutualInformation_data();
  void mutualInformation();
};

void TestRoutingStats::accumulatorStats() {
  // 4 rows, 4 experts; loads 2, 1, 1, 0 of 4 slots; row 3 was dropped by expert 0.
  const DispatchPlan p = makePlan(4, {{{0, 1.0f}}, {{0, 0.6f}, {1, 0.4f}}, {{2, 1.0f}}, {}}, {3});
  QVERIFY(planProblem(p).isEmpty());
  std::vector<float> probs{1.0f, 0.0f, 0.0f, 0.0f,  //
                           0.5f, 0.5f, 0.0f, 0.0f,  //
                           0.25f, 0.25f, 0.25f, 0.25f,  //
                           1.0f, 0.0f, 0.0f, 0.0f};
  const std::int32_t labels[] = {0, 1, 1, 0};
  RoutingAccumulator acc(4);
  acc.add(p, probs, labels, 2);
  const RoutingStats s = acc.result();
  QCOMPARE(s.load.size(), std::size_t(4));
  QCOMPARE(s.load[0], 0.5f);
  QCOMPARE(s.load[1], 0.25f);
  QCOMPARE(s.load[2], 0.25f);
  QCOMPARE(s.load[3], 0.0f);
  QVERIFY(std::fabs(std::accumulate(s.load.begin(), s.load.end(), 0.0) - 1.0) < 1e-6);
  QVERIFY(std::fabs(std::accumulate(s.importance.begin(), s.importance.end(), 0.0) - 1.0) < 1e-6);
  QCOMPARE(s.importance[0], float((1.0 + 0.5 + 0.25 + 1.0) / 4));
  // CV = std / mean of (0.5, 0.25, 0.25, 0): std = sqrt(0.125 / 4), mean 0.25.
  QVERIFY(std::fabs(s.loadCv - std::sqrt(0.125 / 4) / 0.25) < 1e-6);
  QVERIFY(std::fabs(s.maxVio - 1.0) < 1e-6);  // (0.5 - 0.25) / 0.25
  QCOMPARE(s.deadExperts, 1);
  QCOMPARE(s.droppedFraction, 0.25);
  QCOMPARE(s.unroutedFraction, 0.25);
  // Mean entropy: rows of entropy 0, ln 2, ln 4, 0.
  QVERIFY(std::fabs(s.entropy - (std::log(2.0) + std::log(4.0)) / 4) < 1e-6);
  const std::vector<std::int64_t> classExpert{1, 0, 0, 0,  // class 0: row 0 -> e0 (row 3 none)
                                              1, 1, 1, 0};  // class 1: row 1 -> e0,e1; row 2 -> e2
  QCOMPARE(acc.classExpert(), classExpert);
  // routingStats is the one-plan shortcut.
  const RoutingStats t = routingStats(p, probs);
  QCOMPARE(t.load, s.load);
  QCOMPARE(t.loadCv, s.loadCv);

  // Perfect balance: CV 0, MaxVio 0, no dead experts.
  const DispatchPlan b = makePlan(2, {{{0, 1.0f}}, {{1, 1.0f}}});
  const RoutingStats u = routingStats(b, {0.5f, 0.5f, 0.5f, 0.5f});
  QCOMPARE(u.loadCv, 0.0);
  QCOMPARE(u.maxVio, 0.0);
  QCOMPARE(u.deadExperts, 0);
  // Empty accumulator: empty stats, no division by zero.
  const RoutingStats empty = RoutingAccumulator(3).result();
  QVERIFY(empty.load.empty());
}

void TestRoutingStats::accumulatorSumsPlans() {
  const DispatchPlan a = makePlan(2, {{{0, 1.0f}}, {{0, 1.0f}}});
  const DispatchPlan b = makePlan(2, {{{1, 1.0f}}, {}}, {1});
  RoutingAccumulator acc(2);
  acc.add(a, {1.0f, 0.0f, 1.0f, 0.0f});
  acc.add(b, {0.0f, 1.0f, 0.0f, 1.0f});
  const RoutingStats s = acc.result();
  QVERIFY(std::fabs(s.load[0] - 2.0f / 3.0f) < 1e-6f);
  QVERIFY(std::fabs(s.load[1] - 1.0f / 3.0f) < 1e-6f);
  QCOMPARE(s.importance[0], 0.5f);
  QCOMPARE(s.droppedFraction, 0.25);
  QCOMPARE(s.unroutedFraction, 0.25);
  acc.reset(2);
  QVERIFY(acc.result().load.empty());
}

void TestRoutingStats::weightedPlanAnalyses() {
  // Soft-MoE-style plan: 3 rows, 2 experts with one slot each; slots mix rows, every row
  // combines both slots. The analyses read offsets and the combine view, whatever the slots.
  DispatchPlan p;
  p.rows = 3;
  p.experts = 2;
  p.offsets = {0, 1, 2};
  p.slotRow = {0, 2};
  p.slotGate = {0.0f, 0.0f};
  p.slotRank = {0, 0};
  p.slotInPtr = {0, 3, 5};
  p.slotInRows = {0, 1, 2, 1, 2};
  p.slotInWeights = {0.5f, 0.3f, 0.2f, 0.4f, 0.6f};
  p.rowPtr = {0, 2, 4, 6};
  p.rowSlots = {0, 1, 1, 0, 1, 0};
  p.rowGates = {0.7f, 0.3f, 0.6f, 0.4f, 0.9f, 0.1f};
  p.rowExperts = {0, 1, 1, 0, 1, 0};
  QVERIFY(p.weighted());
  QVERIFY2(planProblem(p).isEmpty(), qPrintable(planProblem(p)));
  const std::vector<float> probs{0.7f, 0.3f, 0.4f, 0.6f, 0.1f, 0.9f};
  const std::int32_t labels[] = {0, 1, 1};
  RoutingAccumulator acc(2);
  acc.add(p, probs, labels, 2);
  const RoutingStats s = acc.result();
  QCOMPARE(s.load[0], 0.5f);
  QCOMPARE(s.load[1], 0.5f);
  QCOMPARE(s.deadExperts, 0);
  QCOMPARE(s.unroutedFraction, 0.0);
  const std::vector<std::int64_t> classExpert{1, 1, 2, 2};  // every row reaches both experts
  QCOMPARE(acc.classExpert(), classExpert);
  // A broken weighted plan is caught.
  DispatchPlan bad = p;
  bad.slotInRows[1] = 7;
  QVERIFY(!planProblem(bad).isEmpty());
}

void TestRoutingStats::mutualInformation_data() {
  QTest::addColumn<QVector<qint64>>("joint");
  QTest::addColumn<int>("rows");
  QTest::addColumn<int>("cols");
  QTest::addColumn<double>("bits");
  QTest::newRow("independent 2x2") << QVector<qint64>{2, 4, 3, 6} << 2 << 2 << 0.0;
  QTest::newRow("independent 3x4")
      << QVector<qint64>{1, 2, 3, 4, 2, 4, 6, 8, 5, 10, 15, 20} << 3 << 4 << 0.0;
  QTest::newRow("identity 2") << QVector<qint64>{7, 0, 0, 7} << 2 << 2 << 1.0;
  QTest::newRow("identity 4") << QVector<qint64>{5, 0, 0, 0, 0, 5, 0, 0, 0, 0, 5, 0, 0, 0, 0, 5}
                              << 4 << 4 << 2.0;
  QTest::newRow("permutation 3") << QVector<qint64>{0, 9, 0, 0, 0, 9, 9, 0, 0} << 3 << 3
                                 << std::log2(3.0);
  QTest::newRow("all in one cell") << QVector<qint64>{0, 0, 0, 12} << 2 << 2 << 0.0;
  QTest::newRow("empty") << QVector<qint64>{0, 0, 0, 0} << 2 << 2 << 0.0;
}

void TestRoutingStats::mutualInformation() {
  QFETCH(QVector<qint64>, joint);
  QFETCH(int, rows);
  QFETCH(int, cols);
  QFETCH(double, bits);
  const std::vector<std::int64_t> j(joint.begin(), joint.end());
  const double mi = moe::core::mutualInformation(j, rows, cols);
  QVERIFY2(std::fabs(mi - bits) < 1e-9, qPrintable(QString("MI %1, expected %2").arg(mi).arg(bits)));
}

QTEST_GUILESS_MAIN(TestRoutingStats)
#include "test_routing_stats.moc"
