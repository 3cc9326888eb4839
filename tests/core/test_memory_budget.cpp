// The memory budget (issue 16): the estimate's parameter count matches the models built for
// every task and model kind, a config that cannot fit is refused before it allocates, with the
// estimate and the memory available, and MOE_MEMORY_AVAILABLE overrides /proc/meminfo.
#include <QtTest>

#include <cstdlib>

#include "core/data/catalog.h"
#include "core/train/memory_budget.h"
#include "core/train/presets.h"
#include "core/train/session_factory.h"
#include "tests/core/dataset_skips.h"

using namespace moe::core;

namespace {

// Synthetic splits of each kind, small enough to build sessions on in milliseconds.
std::shared_ptr<const DataSplits> denseData(int features, int classes) {
  auto s = std::make_shared<DataSplits>();
  for (Dataset* d : {&s->train, &s->test}) {
    d->kind = DataKind::Dense;
    d->features = features;
    d->classes = classes;
    for (int c = 0; c < classes; ++c) d->classNames.push_back(std::to_string(c));
    for (int r = 0; r < 20; ++r) d->labels.push_back(r % classes);
    d->x.assign(std::size_t(20) * std::size_t(features), 0.5f);
  }
  return s;
}

struct EnvGuard {
  explicit EnvGuard(const char* value) {
    if (value) setenv("MOE_MEMORY_AVAILABLE", value, 1);
    else unsetenv("MOE_MEMORY_AVAILABLE");
  }
  ~EnvGuard() { unsetenv("MOE_MEMORY_AVAILABLE"); }
};

}  // namespace

class TestMemoryBudget : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  // The estimate counts the parameters the session builds (within 1%: routers' own extras).
  void parameterCountMatchesTheModel_data() {
    QTest::addColumn<int>("kind");
    QTest::addColumn<int>("hidden");
    QTest::addColumn<int>("experts");
    QTest::newRow("moe") << int(ModelKind::MoeClassifier) << 64 << 8;
    QTest::newRow("moe linear") << int(ModelKind::MoeClassifier) << 0 << 4;
    QTest::newRow("stem-moe") << int(ModelKind::StemMoe) << 32 << 6;
    QTest::newRow("dense-mlp") << int(ModelKind::DenseMlp) << 48 << 4;
  }
  void parameterCountMatchesTheModel() {
    QFETCH(int, kind);
    QFETCH(int, hidden);
    QFETCH(int, experts);
    TrainConfig c;
    c.model.kind = ModelKind(kind);
    c.model.expertHidden = hidden;
    c.model.experts = experts;
    c.model.stemWidth = 16;
    c.threads = 1;
    const auto data = denseData(30, 5);
    const SessionBuild build = buildSession(c, data);
    const MemoryEstimate e = estimateMemory(c, shapeOf(*data));
    QCOMPARE(e.parameters, double(build.session->paramsTotal()));
    QCOMPARE(e.parameterBytes, 4.0 * e.parameters);
    QCOMPARE(e.optimizerBytes, 3.0 * e.parameterBytes);  // gradient + Adam's two moments
    c.optim.kind = OptimizerKind::Sgd;
    QCOMPARE(estimateMemory(c, shapeOf(*data)).optimizerBytes, 2.0 * e.parameterBytes);
  }

  // Text (hash-bucket embedding) and ratings (user and item embeddings) on real data.
  void parameterCountOfTextAndRatingModels_data() {
    QTest::addColumn<QString>("dataset");
    QTest::newRow("fortunes") << "fortunes-langid";
    QTest::newRow("movielens") << "movielens";
  }
  void parameterCountOfTextAndRatingModels() {
    QFETCH(QString, dataset);
    TrainConfig c = presetFor(dataset.toStdString());
    c.text.buckets = 4096;
    c.threads = 1;
    std::shared_ptr<const DataSplits> data;
    try {
      data = loadData(c);
    } catch (const DataError& e) {
      QSKIP(e.what());
    }
    const SessionBuild build = buildSession(c, data);
    const double estimated = estimateMemory(c, shapeOf(*data)).parameters;
    const double built = double(build.session->paramsTotal());
    QVERIFY2(std::abs(estimated - built) <= 0.01 * built,
             qPrintable(QString("estimated %1, built %2").arg(estimated).arg(built)));
  }

  // The case: 256 experts of width 16384 on Fashion-MNIST's shape, refused with the
  // estimate and the memory available, before any session memory is allocated.
  void refusesWhatDoesNotFit() {
    EnvGuard env("9.8G");
    TrainConfig c;
    c.model.experts = 256;
    c.model.expertHidden = 16384;
    const auto data = denseData(784, 10);
    try {
      buildSession(c, data);
      QFAIL("a 53 GB model was built");
    } catch (const MemoryBudgetError& e) {
      const QString m = QString::fromUtf8(e.what());
      // 256 x (784 x 16384 + 16384 + 16384 x 10 + 10) + 784 x 256 + 256 parameters.
      QVERIFY2(m.startsWith("these settings need 5") && m.contains(" GB, 9.8 GB available") &&
                   m.contains("parameters 13.3 GB") && m.contains("optimizer state 40.0 GB"),
               e.what());
    }
    // The reference settings fit, with nothing to say.
    TrainConfig small;
    small.threads = 1;
    QVERIFY(buildSession(small, data).notice.empty());
  }

  void warnsNearTheLimit() {
    TrainConfig c;
    c.threads = 1;
    const auto data = denseData(784, 10);
    const double need = estimateMemory(c, shapeOf(*data)).toAllocate();
    EnvGuard env(std::to_string(need * 1.1).c_str());
    const SessionBuild b = buildSession(c, data);
    QVERIFY2(QString::fromStdString(b.notice).contains("may start swapping"), b.notice.c_str());
  }

  void availableMemory() {
    {
      EnvGuard env("2.5k");
      QCOMPARE(*availableMemoryBytes(), 2500.0);
    }
    {
      EnvGuard env("lots");
      QVERIFY_THROWS_EXCEPTION(ConfigError, availableMemoryBytes());
    }
    EnvGuard none(nullptr);
    const auto fromProc = availableMemoryBytes();
    QVERIFY(fromProc && *fromProc > 1e6);  // Linux: MemAvailable
  }

  void formatting() {
    QCOMPARE(formatBytes(13.24e9), std::string("13.2 GB"));
    QCOMPARE(formatBytes(9.8e8), std::string("980.0 MB"));
    QCOMPARE(formatBytes(1500), std::string("2 kB"));
  }
};

QTEST_GUILESS_MAIN(TestMemoryBudget)
#include "test_memory_budget.moc"
