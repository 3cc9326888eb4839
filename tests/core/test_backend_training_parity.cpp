// Whole training steps on the OpenCL backend against the CPU reference: same model, same
// seed, same batches; the losses and routing must agree within tolerance after N steps. Every
// registered router runs (from the registry, no edit here), plus other models and optimizers.
#include <QtTest>

#include <cmath>

#include "compute/backend_factory.h"
#include "compute/cpu/cpu_backend.h"
#include "core/data/catalog.h"
#include "core/routing/router_registry.h"
#include "core/train/session.h"
#include "tests/core/dataset_skips.h"

using namespace moe;
using namespace moe::core;

Q_DECLARE_METATYPE(moe::core::ModelKind)

class TestBackendTrainingParity : public QObject {
  Q_OBJECT

  std::shared_ptr<const DataSplits> mData;

 private Q_SLOTS:
  void initTestCase() {
    if (compute::listOpenClDevices().empty()) QSKIP("no OpenCL device on this machine");
    MOE_SKIP_WITHOUT_FASHION_MNIST();
    DataOptions opt;
    opt.maxTrain = 1280;
    opt.validationFraction = 0.0;
    opt.seed = 3;
    mData = std::make_shared<const DataSplits>(loadDataset("fashion-mnist", opt));
  }

  void stepsAgree_data() {
    QTest::addColumn<moe::core::ModelKind>("model");
    QTest::addColumn<QString>("router");
    QTest::addColumn<QString>("optimizer");
    QTest::addColumn<int>("slots");  // Soft MoE slots per expert
    for (const RouterEntry& r : routerRegistry())
      QTest::newRow(qPrintable(QString("moe ") + r.info.name + " adam"))
          << ModelKind::MoeClassifier << QString(r.info.name) << "adam" << 1;
    QTest::newRow("switch sgd") << ModelKind::MoeClassifier << "switch" << "sgd" << 1;
    QTest::newRow("expert choice adamw") << ModelKind::MoeClassifier << "expert-choice" << "adamw" << 1;
    QTest::newRow("stem-moe dense router") << ModelKind::StemMoe << "dense" << "adam" << 1;
    QTest::newRow("dense mlp") << ModelKind::DenseMlp << "topk" << "adam" << 1;
    QTest::newRow("patch-moe soft-moe 2 slots") << ModelKind::PatchMoe << "soft-moe" << "adam" << 2;
    QTest::newRow("deep-moe topk") << ModelKind::DeepMoe << "topk" << "adam" << 1;
  }
  void stepsAgree() {
    QFETCH(moe::core::ModelKind, model);
    QFETCH(QString, router);
    QFETCH(QString, optimizer);
    QFETCH(int, slots);
    TrainConfig c;
    c.model.slotsPerExpert = slots;
    c.model.kind = model;
    c.model.router = router.toStdString();
    c.model.experts = 4;
    c.model.expertHidden = 64;
    c.model.stemWidth = 64;
    c.model.capacityFactor = 1.5;
    c.optim.kind = parseOptimizer(optimizer.toStdString());
    c.optim.lr = c.optim.kind == OptimizerKind::Sgd ? 0.05 : 1e-3;
    c.batchSize = 64;
    c.seed = 11;
    Session cpu(c, mData, std::make_unique<compute::CpuBackend>(2));
    auto choice = compute::createBackend("opencl", 2);
    QVERIFY2(!choice.fellBack, choice.message.c_str());
    Session gpu(c, mData, std::move(choice.backend));
    const int steps = 20;  // one epoch of the 1280-row subset
    double maxDiff = 0.0;
    for (int i = 0; i < steps; ++i) {
      const StepMetrics a = cpu.trainStep(), b = gpu.trainStep();
      maxDiff = std::max(maxDiff, std::fabs(a.loss - b.loss));
      // Routing is a discrete decision; near-ties may flip, so compare loads loosely.
      for (std::size_t e = 0; e < a.routing.load.size(); ++e)
        QVERIFY2(std::fabs(a.routing.load[e] - b.routing.load[e]) < 0.1,
                 qPrintable(QString("step %1 expert %2 load").arg(i).arg(e)));
    }
    QVERIFY2(maxDiff < 2e-2, qPrintable(QString("max loss difference %1").arg(maxDiff)));
    const auto ea = cpu.evaluate(), eb = gpu.evaluate();
    QVERIFY2(std::fabs(ea->quality - eb->quality) < 0.02,
             qPrintable(QString("accuracy %1 vs %2").arg(ea->quality).arg(eb->quality)));
  }
};

QTEST_GUILESS_MAIN(TestBackendTrainingParity)
#include "test_backend_training_parity.moc"
