// loadDataset: spec parsing, defaults, validation carving, normalisation options.
#include <QTemporaryDir>
#include <QtTest>

#include "core/data/catalog.h"
#include "core/data/idx.h"

using namespace moe::core;

class TestCatalog : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void unknownSpec_data() {
    QTest::addColumn<QString>("spec");
    QTest::addColumn<QString>("expected");
    QTest::newRow("unknown") << "mnist-but-typo"
                             << "unknown dataset 'mnist-but-typo'; valid: fashion-mnist, idx:DIR";
    QTest::newRow("idx without dir") << "idx"
                                     << "needs a path: idx:PATH";
    QTest::newRow("fashion with arg") << "fashion-mnist:x"
                                      << "unknown dataset";
    QTest::newRow("missing idx dir") << "idx:/nonexistent"
                                     << "/nonexistent: no such folder";
    QTest::newRow("missing cifar dir") << "cifar10:/nonexistent"
                                       << "data_batch_1.bin: missing";
    QTest::newRow("missing csv") << "text-csv:/nonexistent.csv"
                                 << "/nonexistent.csv: cannot open";
    QTest::newRow("missing movielens dir") << "movielens:/nonexistent"
                                           << "no MovieLens ratings";
  }
  void unknownSpec() {
    QFETCH(QString, spec);
    QFETCH(QString, expected);
    try {
      loadDataset(spec.toStdString());
      QFAIL("no DataError");
    } catch (const DataError& e) {
      QVERIFY2(QString(e.what()).contains(expected), e.what());
    }
  }

  void fashionMnist() {
    if (!QFile::exists(QString(kFashionMnistDir) + "/train-images-idx3-ubyte.gz"))
      QSKIP("dataset-fashion-mnist is not installed");
    DataOptions opt;
    const DataSplits s = loadDataset("fashion-mnist", opt);
    QCOMPARE(s.validation.rows(), 5000);  // 0.0833 of 6000 per class, rounded: 500 each
    QCOMPARE(s.train.rows(), 55000);
    QCOMPARE(s.test.rows(), 10000);
    QCOMPARE(s.train.name, std::string("fashion-mnist"));
    QVERIFY(s.train.featureMean.empty());

    opt.maxTrain = 1000;
    opt.normalization = Normalization::Standardize;
    opt.validationFraction = 0.1;
    const DataSplits small = loadDataset("fashion-mnist", opt);
    QCOMPARE(small.train.rows(), 1000);
    QCOMPARE(small.validation.rows(), 6000);
    QCOMPARE(int(small.test.featureStd.size()), 784);
    double mean = 0;
    for (int r = 0; r < 1000; ++r) mean += small.train.x[std::size_t(r) * 784 + 400];
    QVERIFY(std::abs(mean / 1000) < 1e-3);
    // Same seed, same split.
    const DataSplits again = loadDataset("fashion-mnist", opt);
    QCOMPARE(again.train.labels, small.train.labels);
  }
};

QTEST_GUILESS_MAIN(TestCatalog)
#include "test_catalog.moc"
