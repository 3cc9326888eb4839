// loadDataset: spec parsing, defaults, validation carving, normalisation options; the dataset
// table and the task registry it names.
#include <QTemporaryDir>
#include <QtTest>

#include "core/data/catalog.h"
#include "core/data/dataset_table.h"
#include "core/data/idx.h"
#include "core/task/registry.h"
#include "core/train/presets.h"

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

  // Every row of the table is reachable by its spec, names a registered task, has help, and
  // its preset is a valid config for its spec.
  void tableRows() {
    QVERIFY(!datasetTable().empty());
    for (const DatasetEntry& e : datasetTable()) {
      const std::string spec = e.arg == SpecArg::Required ? std::string(e.kind) + ":/x" : e.kind;
      QCOMPARE(findDataset(spec), &e);
      QVERIFY2(std::string(e.help).size() > 10, e.kind);
      QCOMPARE(std::string(taskNamed(e.task).name), std::string(e.task));
      const TrainConfig preset = presetFor(spec);
      QCOMPARE(preset.dataset, spec);
      preset.validate();
      QVERIFY2(specForms().find(specForm(e)) != std::string::npos, e.kind);
    }
    QCOMPARE(findDataset("fashion-mnist:x"), nullptr);  // takes no argument
    QCOMPARE(findDataset("no-such-dataset"), nullptr);
    QCOMPARE(specForm(*findDataset("movielens")), std::string("movielens[:DIR]"));
    QCOMPARE(specForm(*findDataset("idx:/d")), std::string("idx:DIR"));
    QVERIFY_THROWS_EXCEPTION(ConfigError, taskNamed("no-such-task"));
  }

  // The window's Open menu: one entry per label; an image folder opens as CIFAR-10 when it
  // holds CIFAR-10 batches, else as IDX.
  void openActionsPickTheReader() {
    const auto actions = openActions();
    QCOMPARE(int(actions.size()), 4);  // images, texts, ratings, 2-D points
    const OpenAction* images = nullptr;
    for (const OpenAction* a : actions)
      if (std::string(a->label).find("image") != std::string::npos) images = a;
    QVERIFY(images);
    QTemporaryDir dir;
    const std::string path = dir.path().toStdString();
    QCOMPARE(specForOpened(*images, path), "idx:" + path);
    QFile batch(dir.filePath(QStringLiteral("data_batch_1.bin")));
    QVERIFY(batch.open(QIODevice::WriteOnly));
    batch.close();
    QCOMPARE(specForOpened(*images, path), "cifar10:" + path);
    for (const OpenAction* a : actions) {
      const std::string spec = specForOpened(*a, "/data/x");
      QVERIFY2(findDataset(spec), spec.c_str());
    }
  }

  // The registry picks the task by the training split's data.
  void taskForData() {
    Dataset d;
    d.name = "d";
    d.kind = DataKind::Dense;
    QCOMPARE(std::string(taskFor(d).name), std::string("image-classification"));
    d.kind = DataKind::Tokens;
    QCOMPARE(std::string(taskFor(d).name), std::string("token-classification"));
    QCOMPARE(taskFor(d).view, InspectorView::Text);
    d.kind = DataKind::Ratings;
    QCOMPARE(std::string(taskFor(d).name), std::string("rating-regression"));
    QVERIFY(taskFor(d).regression);
    for (const TaskInfo* t : tasks()) QCOMPARE(&taskNamed(t->name), t);
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
