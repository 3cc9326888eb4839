// Expert parallelism's code path in one process (the SingleProcess communicator): what it must
// change nothing of, what it reports, and what it refuses. The MPI runs with several ranks are
// tests/parallel/test_mpi_parity.cpp.
#include <QtTest>

#include "core/model/model.h"
#include "core/parallel/communicator.h"
#include "core/parallel/expert_parallel.h"
#include "dataset_skips.h"
#include "session_fixtures.h"

using namespace moe;
using namespace moe::core;
using namespace moe::core::testing;

class ExpertParallelTest : public QObject {
  Q_OBJECT

 private:
  std::shared_ptr<const DataSplits> mData;

 private Q_SLOTS:
  void initTestCase() {
    MOE_SKIP_WITHOUT_FASHION_MNIST();
    mData = smallFashionMnist();
  }

  // One rank: the parallel path (gathered logits, exchange, summed gradients) is the plain
  // one, bit for bit, for routers with and without capacity and with an input gradient.
  void oneRankIsThePlainRun_data() {
    QTest::addColumn<QString>("router");
    QTest::addColumn<int>("model");
    QTest::newRow("topk") << "topk" << int(ModelKind::MoeClassifier);
    QTest::newRow("switch") << "switch" << int(ModelKind::MoeClassifier);
    QTest::newRow("expert-choice") << "expert-choice" << int(ModelKind::MoeClassifier);
    QTest::newRow("stem-moe") << "switch" << int(ModelKind::StemMoe);
  }
  void oneRankIsThePlainRun() {
    QFETCH(QString, router);
    QFETCH(int, model);
    TrainConfig c = smallMoeConfig(32, 5);
    c.model.router = router.toStdString();
    c.model.kind = ModelKind(model);
    c.model.stemWidth = 32;
    c.model.capacityFactor = 0.75;  // Switch drops
    auto plain = makeSession(c, mData), parallel = makeSession(c, mData);
    SingleProcess one;
    parallel->enableExpertParallel(one);
    QVERIFY(parallel->parallel() != nullptr);
    for (int step = 0; step < 5; ++step) {
      const StepMetrics a = plain->trainStep(), b = parallel->trainStep();
      QVERIFY(std::abs(a.loss - b.loss) <= 1e-12 * std::abs(a.loss));
      QCOMPARE(a.routing.droppedFraction, b.routing.droppedFraction);
      // One rank sends everything to itself: in + out floats a slot forward, out (+ in with
      // an input gradient) backward.
      MoeLayer& moe = *parallel->model().moe();
      const int slots = moe.plan().slots();
      const int perSlot = moe.inputs() + 2 * moe.outputs() +
                          (c.model.kind == ModelKind::StemMoe ? moe.inputs() : 0);
      QCOMPARE(b.exchangeBytes.size(), std::size_t(1));
      QCOMPARE(double(b.exchangeBytes[0]), 4.0 * slots * perSlot);
      QCOMPARE(b.expertRank, std::vector<float>(std::size_t(c.model.experts), 0.0f));
      QVERIFY(b.exchangeSeconds >= 0.0 && b.computeSeconds >= 0.0);
      QVERIFY(std::isnan(a.exchangeSeconds) && a.exchangeBytes.empty());
    }
    QCOMPARE(paramValues(*parallel), paramValues(*plain));
    QCOMPARE(parallel->evaluate()->quality, plain->evaluate()->quality);
    const auto summary = parallel->parallel()->summary();
    QCOMPARE(summary["ranks"].get<int>(), 1);
    QCOMPARE(summary["steps"].get<long>(), 5L);
  }

  // What cannot be split this way says so, naming the setting.
  void refusesWhatItCannotSplit_data() {
    QTest::addColumn<QString>("router");
    QTest::addColumn<int>("model");
    QTest::addColumn<double>("clip");
    QTest::addColumn<QString>("named");
    QTest::newRow("noisy") << "noisy-topk" << int(ModelKind::MoeClassifier) << 0.0 << "noisy-topk";
    QTest::newRow("soft-moe") << "soft-moe" << int(ModelKind::MoeClassifier) << 0.0 << "soft-moe";
    QTest::newRow("clip") << "topk" << int(ModelKind::MoeClassifier) << 1.0 << "clip_norm";
    QTest::newRow("dense") << "topk" << int(ModelKind::DenseMlp) << 0.0 << "moe and stem-moe";
  }
  void refusesWhatItCannotSplit() {
    QFETCH(QString, router);
    QFETCH(int, model);
    QFETCH(double, clip);
    QFETCH(QString, named);
    TrainConfig c = smallMoeConfig(16, 1);
    c.model.router = router.toStdString();
    c.model.kind = ModelKind(model);
    c.optim.clipNorm = clip;
    auto s = makeSession(c, mData);
    SingleProcess one;
    try {
      s->enableExpertParallel(one);
      QFAIL("accepted");
    } catch (const ParallelError& e) {
      QVERIFY2(QString::fromUtf8(e.what()).contains(named), e.what());
    }
  }

  // A build without MPI names the packages; with MPI, mpiBuilt() says so (CMake's choice).
  void mpiAvailability() {
    if (mpiBuilt()) return;
    try {
      openMpi(nullptr, nullptr);
      QFAIL("opened");
    } catch (const ParallelError& e) {
      QVERIFY(QString::fromUtf8(e.what()).contains(QStringLiteral("libopenmpi-dev")));
    }
  }
};

QTEST_GUILESS_MAIN(ExpertParallelTest)
#include "test_expert_parallel.moc"
