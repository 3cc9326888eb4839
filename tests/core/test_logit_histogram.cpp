// The router-logit summary every evaluation carries (core/routing/logit_histogram.h): its bands
// against hand-made values, and in a real session against a hand count of the logits computed
// from the gate's weights (x W + b) for every test point.
#include <QtTest>

#include <cmath>
#include <limits>

#include "core/data/catalog.h"
#include "core/model/moe_layer.h"
#include "core/routing/logit_histogram.h"
#include "core/train/presets.h"
#include "session_fixtures.h"

using namespace moe::core;

class TestLogitHistogram : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void bandsOfHandMadeValues() {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const std::vector<float> v{-1.0f, 0.0f, 1.0f, 3.0f, 3.0f, nan, -1.0f};
    const LogitHistogram h = logitHistogram(v);
    QCOMPARE(h.lo, -1.0f);
    QCOMPARE(h.hi, 3.0f);
    QCOMPARE(h.total, std::int64_t(6));
    QCOMPARE(h.nonFinite, std::int64_t(1));
    QCOMPARE(int(h.counts.size()), LogitHistogram::kBins);
    // Bands of width 4/32 = 0.125 from -1: 0 is band 8, 1 is band 16, 3 (hi) the last.
    QCOMPARE(h.counts[0], std::int64_t(2));
    QCOMPARE(h.counts[8], std::int64_t(1));
    QCOMPARE(h.counts[16], std::int64_t(1));
    QCOMPARE(h.counts[31], std::int64_t(2));
    QCOMPARE(h.mean, 5.0 / 6.0);
    double sq = 0;
    for (double x : {-1.0, 0.0, 1.0, 3.0, 3.0, -1.0}) sq += (x - 5.0 / 6.0) * (x - 5.0 / 6.0);
    QVERIFY(std::abs(h.stddev - std::sqrt(sq / 6)) < 1e-12);
    QCOMPARE(h.edge(0), -1.0);
    QCOMPARE(h.edge(LogitHistogram::kBins), 3.0);
  }

  void degenerateAndEmpty() {
    const LogitHistogram none = logitHistogram(std::vector<float>{});
    QVERIFY(none.empty());
    QVERIFY(none.counts.empty());
    const LogitHistogram one = logitHistogram(std::vector<float>{2.5f, 2.5f});
    QCOMPARE(one.total, std::int64_t(2));
    QCOMPARE(one.counts[LogitHistogram::kBins / 2], std::int64_t(2));  // one value: the middle
    QVERIFY(one.edge(0) < 2.5 && one.edge(LogitHistogram::kBins) > 2.5);
    QCOMPARE(one.stddev, 0.0);
  }

  void evaluationCountsTheGatesLogits() {
    TrainConfig config;
    config.dataset = "toy:blobs";
    config.toy.size = 120;  // 60 test points
    config.model.experts = 3;
    config.model.topK = 1;
    config.batchSize = 16;   // the test split takes several evaluation batches
    config.threads = 1;
    auto data = std::make_shared<const DataSplits>(loadDataset(config.dataset, dataOptionsFor(config)));
    auto session = testing::makeSession(config, data);
    for (int i = 0; i < 5; ++i) session->trainStep();  // weights away from their start
    const auto report = session->evaluate();
    const LogitHistogram& h = report->routerLogits;

    // By hand: z = x W + b for every test point, from the gate's parameters.
    std::vector<float> w, b;
    for (Parameter* p : session->model().moe()->router().parameters()) {
      if (p->name == "router.gate.weight") w = moe::compute::toHost(session->backend(), p->value);
      if (p->name == "router.gate.bias") b = moe::compute::toHost(session->backend(), p->value);
    }
    const Dataset& test = data->test;
    const int E = 3, F = test.features;
    QCOMPARE(int(w.size()), F * E);
    QCOMPARE(int(b.size()), E);
    std::vector<float> z;
    for (int r = 0; r < test.rows(); ++r)
      for (int e = 0; e < E; ++e) {
        double s = b[std::size_t(e)];
        for (int f = 0; f < F; ++f)
          s += double(test.x[std::size_t(r) * F + f]) * w[std::size_t(f) * E + e];
        z.push_back(float(s));
      }
    QCOMPARE(h.total, std::int64_t(z.size()));
    QCOMPARE(h.nonFinite, std::int64_t(0));
    const float lo = *std::min_element(z.begin(), z.end()), hi = *std::max_element(z.begin(), z.end());
    QVERIFY2(std::abs(h.lo - lo) < 1e-4f && std::abs(h.hi - hi) < 1e-4f,
             qPrintable(QStringLiteral("range %1..%2, by hand %3..%4").arg(h.lo).arg(h.hi).arg(lo).arg(hi)));
    // Count into the report's bands; a logit within rounding of an edge may fall either side.
    std::vector<std::int64_t> counts(std::size_t(LogitHistogram::kBins), 0);
    int nearEdge = 0;
    double sum = 0;
    for (float v : z) {
      ++counts[std::size_t(h.binOf(v))];
      const double at = (double(v) - h.lo) / (double(h.hi) - h.lo) * LogitHistogram::kBins;
      if (std::abs(at - std::round(at)) < 1e-3) ++nearEdge;
      sum += v;
    }
    std::int64_t off = 0;
    for (int i = 0; i < LogitHistogram::kBins; ++i) off += std::abs(counts[std::size_t(i)] - h.counts[std::size_t(i)]);
    QVERIFY2(off <= 2 * nearEdge, qPrintable(QStringLiteral("%1 counts differ from the hand count").arg(off)));
    QVERIFY(std::abs(h.mean - sum / double(z.size())) < 1e-4);
    int used = 0;
    for (std::int64_t c : h.counts) used += c > 0 ? 1 : 0;
    QVERIFY2(used >= 4, "the logits of 60 points spread over several bands");
  }
};

QTEST_MAIN(TestLogitHistogram)
#include "test_logit_histogram.moc"
