// The toy datasets (core/data/toy_data.h): determinism per seed, shapes, class balance, the
// regression task on them, the points CSV and the refused parameters.
#include <QtTest>
#include <algorithm>
#include <cmath>
#include <fstream>

#include "core/data/catalog.h"
#include "core/data/dataset_table.h"
#include "core/data/toy_data.h"
#include "core/task/registry.h"
#include "core/train/presets.h"
#include "core/train/session_factory.h"

using namespace moe::core;

namespace {

DataOptions options(int size, double noise, int classes = 3, std::uint64_t seed = 7) {
  DataOptions o;
  o.toySize = size;
  o.toyNoise = noise;
  o.toyClasses = classes;
  o.seed = seed;
  o.validationFraction = 0.0;
  return o;
}

// The DataError message of loading `spec` with `o` (empty when it loads).
QString refusal(const std::string& spec, const DataOptions& o) {
  try {
    loadDataset(spec, o);
  } catch (const DataError& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

std::string writeTemp(const std::string& name, const std::string& text) {
  const std::string path = QDir::tempPath().toStdString() + "/moe_toy_" + name;
  std::ofstream(path) << text;
  return path;
}

}  // namespace

class TestToyData : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void everyToyIsInTheTable_data() {
    QTest::addColumn<QString>("name");
    for (const auto& n : toyNames()) QTest::newRow(n.c_str()) << QString::fromStdString(n);
  }
  void everyToyIsInTheTable() {
    QFETCH(QString, name);
    const std::string spec = "toy:" + name.toStdString();
    const DatasetEntry* e = findDataset(spec);
    QVERIFY(e);
    QCOMPARE(std::string(e->kind), spec);
    QVERIFY(e->label);  // listed in the window
    const DataSplits s = loadDataset(spec, options(200, 0.05, 4));
    const bool regression = toyIsRegression(name.toStdString());
    QCOMPARE(s.train.rows(), 200);
    QCOMPARE(s.test.rows(), 100);
    QCOMPARE(s.train.features, name == "regression-1d" ? 1 : 2);
    QCOMPARE(&taskFor(s.train), regression ? &pointRegressionTask() : &imageClassificationTask());
    QCOMPARE(std::string(e->task), std::string(taskFor(s.train).name));
    if (regression) {
      QCOMPARE(s.train.classes, 0);
      QCOMPARE(int(s.train.targets.size()), 200);
    } else {
      QCOMPARE(s.train.classes, name == "blobs" ? 4 : 2);
      QCOMPARE(int(s.train.labels.size()), 200);
    }
    for (float v : s.train.x) QVERIFY(std::isfinite(v) && std::abs(v) < 2.0f);
  }

  void sameSeedSamePointsOtherSeedOthers() {
    for (const auto& n : toyNames()) {
      const std::string spec = "toy:" + n;
      const DataSplits a = loadDataset(spec, options(300, 0.1, 3, 11));
      const DataSplits b = loadDataset(spec, options(300, 0.1, 3, 11));
      const DataSplits c = loadDataset(spec, options(300, 0.1, 3, 12));
      QVERIFY2(a.train.x == b.train.x && a.train.labels == b.train.labels &&
                   a.train.targets == b.train.targets && a.test.x == b.test.x,
               spec.c_str());
      QVERIFY2(a.train.x != c.train.x, spec.c_str());
      QVERIFY2(a.train.x != a.test.x, spec.c_str());  // the test split is its own draw
    }
  }

  void classesAreBalanced_data() {
    QTest::addColumn<QString>("spec");
    QTest::addColumn<int>("classes");
    QTest::addColumn<int>("size");
    QTest::newRow("spirals") << "toy:spirals" << 2 << 1001;
    QTest::newRow("xor") << "toy:xor" << 2 << 500;
    QTest::newRow("circles") << "toy:circles" << 2 << 333;
    QTest::newRow("blobs-7") << "toy:blobs" << 7 << 1000;
    QTest::newRow("checkerboard") << "toy:checkerboard" << 2 << 64;
    QTest::newRow("moons") << "toy:moons" << 2 << 99;
  }
  void classesAreBalanced() {
    QFETCH(QString, spec);
    QFETCH(int, classes);
    QFETCH(int, size);
    const DataSplits s = loadDataset(spec.toStdString(), options(size, 0.1, classes));
    QCOMPARE(s.train.classes, classes);
    QCOMPARE(int(s.train.classNames.size()), classes);
    std::vector<int> count(static_cast<std::size_t>(classes), 0);
    for (auto l : s.train.labels) ++count[std::size_t(l)];
    const auto [lo, hi] = std::minmax_element(count.begin(), count.end());
    QVERIFY2(*hi - *lo <= 1, qPrintable(QStringLiteral("%1 to %2").arg(*lo).arg(*hi)));
  }

  void shapesWithoutNoiseAreTheClassicOnes() {
    // Circles: a disc of radius 0.45 inside a ring from 0.65; XOR: class = sign of x * y.
    const DataSplits c = loadDataset("toy:circles", options(400, 0.0));
    const DataSplits x = loadDataset("toy:xor", options(400, 0.0));
    for (int r = 0; r < 400; ++r) {
      const float* p = &c.train.x[std::size_t(r) * 2];
      const double radius = std::hypot(p[0], p[1]);
      QVERIFY(c.train.labels[std::size_t(r)] == 0 ? radius <= 0.4501 : radius >= 0.6499);
      const float* q = &x.train.x[std::size_t(r) * 2];
      QCOMPARE(x.train.labels[std::size_t(r)], q[0] * q[1] < 0 ? 1 : 0);
    }
    // 1-D regression without noise: the same x gives the same y whatever the seed.
    const DataSplits a = loadDataset("toy:regression-1d", options(50, 0.0, 3, 1));
    const DataSplits b = loadDataset("toy:regression-1d", options(50, 0.0, 3, 2));
    const auto at = [](const Dataset& d, float x) {
      return d.targets[std::size_t(std::find(d.x.begin(), d.x.end(), x) - d.x.begin())];
    };
    QCOMPARE(at(a.train, a.train.x[0]), a.train.targets[0]);
    QVERIFY(a.train.x != b.train.x);
    QCOMPARE(int(a.train.classNames.size()), kToyBins);  // the bins name the heatmap's rows
  }

  void validationAndTrainCapShrinkTrain() {
    DataOptions o = options(400, 0.1);
    o.validationFraction = 0.25;
    o.maxTrain = 200;
    const DataSplits s = loadDataset("toy:moons", o);
    QCOMPARE(s.train.rows() + s.validation.rows(), 200);
    QCOMPARE(s.validation.rows(), 50);
    QCOMPARE(s.test.rows(), 200);
  }

  void badParametersAreRefused_data() {
    QTest::addColumn<QString>("spec");
    QTest::addColumn<int>("size");
    QTest::addColumn<double>("noise");
    QTest::addColumn<int>("classes");
    QTest::addColumn<QString>("names");
    QTest::newRow("tiny") << "toy:spirals" << 7 << 0.1 << 3 << "toy_size";
    QTest::newRow("huge") << "toy:xor" << 2000000 << 0.1 << 3 << "toy_size";
    QTest::newRow("negative-noise") << "toy:moons" << 100 << -0.1 << 3 << "toy_noise";
    QTest::newRow("much-noise") << "toy:regression-1d" << 100 << 1.5 << 3 << "toy_noise";
    QTest::newRow("nan-noise") << "toy:circles" << 100 << std::nan("") << 3 << "toy_noise";
    QTest::newRow("one-blob") << "toy:blobs" << 100 << 0.1 << 1 << "toy_classes";
    QTest::newRow("many-blobs") << "toy:blobs" << 100 << 0.1 << 11 << "toy_classes";
    QTest::newRow("unknown") << "toy:spiral" << 100 << 0.1 << 3 << "toy:spirals";
  }
  void badParametersAreRefused() {
    QFETCH(QString, spec);
    QFETCH(int, size);
    QFETCH(double, noise);
    QFETCH(int, classes);
    QFETCH(QString, names);
    const QString why = refusal(spec.toStdString(), options(size, noise, classes));
    QVERIFY2(why.contains(names), qPrintable(why));
  }

  void configRefusesBadToySettings() {
    TrainConfig c = presetFor("toy:spirals");
    c.toy.noise = 2.0;
    QVERIFY_THROWS_EXCEPTION(ConfigError, c.validate());
    c = presetFor("toy:spirals");
    c.toy.size = 3;
    QVERIFY_THROWS_EXCEPTION(ConfigError, c.validate());
  }

  void pointsCsvLoadsAndRoundTrips() {
    const DataSplits gen = loadDataset("toy:moons", options(100, 0.1));
    const std::string path = writeTemp("moons.csv", pointsCsv(gen.train));
    DataOptions o;
    o.testFraction = 0.2;
    o.validationFraction = 0.0;
    const DataSplits s = loadDataset("toy:csv:" + path, o);
    QCOMPARE(s.train.rows() + s.test.rows(), 100);
    QCOMPARE(s.test.rows(), 20);
    QCOMPARE(s.train.classes, 2);
    QCOMPARE(s.train.features, 2);
    // Comments, blank lines, semicolons and tabs are read too.
    const Dataset d = parsePointsCsv("# mine\nx;y;class\n\n0;0;0\n1;1;1\n0.5\t0.5\t1\n"
                                     "-1,0,0\n2,2,2\n3,1,2\n1e-1,4,0\n4,4,1\n",
                                     "m.csv");
    QCOMPARE(d.rows(), 8);
    QCOMPARE(d.classes, 3);
    QCOMPARE(d.x[4], 0.5f);
  }

  void badCsvNamesTheLine_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("message");
    const QString good = "x,y,label\n0,0,0\n1,1,1\n0,1,0\n1,0,1\n2,2,0\n3,3,1\n4,4,0\n5,5,1\n";
    QTest::newRow("two-fields") << good + "1,2\n" << "bad.csv:10: expected 3 fields";
    QTest::newRow("word") << "0,0,0\n1,x,1\n" + good << "bad.csv:2: x, y and label must be numbers";
    QTest::newRow("label") << good + "1,1,-1\n" << "bad.csv:10: label must be a whole number";
    QTest::newRow("fraction") << good + "1,1,0.5\n" << "bad.csv:10: label";
    QTest::newRow("few") << "0,0,0\n1,1,1\n" << "at least 8 points";
    QTest::newRow("one-class") << "0,0,1\n1,1,1\n0,1,1\n1,0,1\n2,2,1\n3,3,1\n4,4,1\n5,5,1\n"
                               << "at least 2 classes";
    QTest::newRow("inf") << good + "inf,0,1\n" << "bad.csv:10:";
  }
  void badCsvNamesTheLine() {
    QFETCH(QString, text);
    QFETCH(QString, message);
    const std::string path = writeTemp("bad.csv", text.toStdString());
    const QString why = refusal("toy:csv:" + path, DataOptions{});
    QVERIFY2(why.contains(message), qPrintable(why));
    QVERIFY(refusal("toy:csv:/no/such/file.csv", DataOptions{}).contains("file.csv"));
  }

  void regressionTrainsAndReportsRmse() {
    TrainConfig c = presetFor("toy:regression-1d");
    c.toy.size = 400;
    c.threads = 1;
    c.epochs = 1;
    SessionBuild b = buildSession(c);
    QCOMPARE(b.session->qualityMetric(), QualityMetric::Rmse);
    const EvalReport before = *b.session->evaluate();
    for (int i = 0; i < 300; ++i) b.session->trainStep();
    const EvalReport after = *b.session->evaluate();
    QVERIFY(after.regression);
    QCOMPARE(int(after.predictedValues.size()), 200);
    QCOMPARE(int(after.classExpert.size()), kToyBins * c.model.experts);
    QVERIFY2(after.quality < 0.6 * before.quality,
             qPrintable(QStringLiteral("RMSE %1 -> %2").arg(before.quality).arg(after.quality)));
    QVERIFY(std::abs(after.quality - std::sqrt(after.loss)) < 1e-9);
    const Inspection one = b.session->inspect(0);
    QVERIFY(one.regression);
    QCOMPARE(one.targetRating, b.data->test.targets[0]);
  }
};

QTEST_GUILESS_MAIN(TestToyData)
#include "test_toy_data.moc"
