// Seeded splits, subsets and standardisation.
#include <QtTest>
#include <algorithm>
#include <cmath>
#include <set>

#include "core/data/splits.h"

using namespace moe::core;

namespace {

Dataset dense(int rows, int features, int classes) {
  Dataset d;
  d.kind = DataKind::Dense;
  d.features = features;
  d.classes = classes;
  for (int r = 0; r < rows; ++r) {
    d.labels.push_back(r % classes);
    for (int f = 0; f < features; ++f) d.x.push_back(float(r * features + f) * (f == 1 ? 0 : 1));
  }
  return d;
}

}  // namespace

class TestSplits : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void randomSplitIsSeededPartition_data() {
    QTest::addColumn<int>("rows");
    QTest::addColumn<double>("fraction");
    QTest::addColumn<int>("held");
    QTest::newRow("fashion") << 60000 << 0.0833 << 4998;
    QTest::newRow("none") << 10 << 0.0 << 0;
    QTest::newRow("all") << 10 << 1.0 << 10;
    QTest::newRow("empty") << 0 << 0.5 << 0;
  }
  void randomSplitIsSeededPartition() {
    QFETCH(int, rows);
    QFETCH(double, fraction);
    QFETCH(int, held);
    const SplitIndices a = randomSplit(rows, fraction, 7);
    QCOMPARE(int(a.held.size()), held);
    QCOMPARE(int(a.keep.size()), rows - held);
    std::vector<int> all = a.keep;
    all.insert(all.end(), a.held.begin(), a.held.end());
    std::sort(all.begin(), all.end());
    for (int i = 0; i < rows; ++i) QCOMPARE(all[std::size_t(i)], i);
    const SplitIndices b = randomSplit(rows, fraction, 7);
    QCOMPARE(a.held, b.held);
    if (rows > 100) QVERIFY(randomSplit(rows, fraction, 8).held != a.held);
  }

  void knownOrder() {
    // Pinned: a seed must mean the same split on every platform, compiler and release.
    const SplitIndices s = randomSplit(6, 0.5, 1);
    QCOMPARE(s.held, (std::vector<int>{1, 3, 0}));
    QCOMPARE(s.keep, (std::vector<int>{4, 5, 2}));
  }

  void stratifiedKeepsProportions() {
    std::vector<std::int32_t> labels;
    for (int i = 0; i < 1000; ++i) labels.push_back(i < 900 ? 0 : (i < 990 ? 1 : 2));
    const SplitIndices s = stratifiedSplit(labels, 0.2, 3);
    int counts[3] = {0, 0, 0};
    for (int r : s.held) ++counts[labels[std::size_t(r)]];
    QCOMPARE(counts[0], 180);
    QCOMPARE(counts[1], 18);
    QCOMPARE(counts[2], 2);
    QCOMPARE(int(s.keep.size()), 800);
  }

  void takeRowsAllKinds() {
    Dataset t;
    t.kind = DataKind::Tokens;
    t.features = 100;
    t.tokenOffsets = {0, 2, 2, 5};
    t.tokens = {1, 2, 3, 4, 5};
    t.texts = {"a", "", "b"};
    t.labels = {0, 1, 2};
    const Dataset tt = takeRows(t, {2, 0});
    QCOMPARE(tt.rows(), 2);
    QCOMPARE(tt.tokens, (std::vector<std::int32_t>{3, 4, 5, 1, 2}));
    QCOMPARE(tt.tokenOffsets, (std::vector<std::int32_t>{0, 3, 5}));
    QCOMPARE(tt.texts, (std::vector<std::string>{"b", "a"}));
    QCOMPARE(tt.labels, (std::vector<std::int32_t>{2, 0}));

    Dataset r;
    r.kind = DataKind::Ratings;
    r.userCount = 3;
    r.itemCount = 2;
    r.users = {0, 1, 2};
    r.items = {0, 1, 1};
    r.targets = {1, 2, 3};
    const Dataset rr = takeRows(r, {1, 2});
    QCOMPARE(rr.targets, (std::vector<float>{2, 3}));
    QVERIFY(!rr.knows(0, 1));  // user 0 has no rating in this split
    QVERIFY(rr.knows(1, 1));
    QVERIFY(!rr.knows(1, 0));
    QVERIFY(!rr.knows(5, 0));
  }

  void subsetDrawsWithoutReplacement() {
    const Dataset d = dense(100, 3, 4);
    const Dataset s = subset(d, 10, 5);
    QCOMPARE(s.rows(), 10);
    std::set<float> firsts;
    for (int r = 0; r < 10; ++r) firsts.insert(s.x[std::size_t(r) * 3]);
    QCOMPARE(int(firsts.size()), 10);
    QCOMPARE(subset(d, 1000, 5).rows(), 100);
  }

  void standardizeUsesTrainStatistics() {
    DataSplits s;
    s.train = dense(50, 3, 2);
    s.test = dense(20, 3, 2);
    standardize(s);
    for (int f : {0, 2}) {
      double sum = 0, sq = 0;
      for (int r = 0; r < 50; ++r) {
        const double v = s.train.x[std::size_t(r * 3 + f)];
        sum += v;
        sq += v * v;
      }
      QVERIFY(std::abs(sum / 50) < 1e-4);
      QVERIFY(std::abs(sq / 50 - 1) < 1e-3);
    }
    QCOMPARE(s.train.x[1], 0.0f);  // the constant feature stays finite
    QCOMPARE(s.test.featureMean, s.train.featureMean);
    QVERIFY(std::abs(s.test.x[0] - s.train.x[0]) < 1e-6);  // same row 0, same statistics
  }
};

QTEST_GUILESS_MAIN(TestSplits)
#include "test_splits.moc"
