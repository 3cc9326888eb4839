// Shared and fine-grained experts (DeepSeekMoE): finite-difference gradients of the MoE layer for
// every registered router, parameter counts, refused splits, checkpoints and a short run.
#include <QtTest>

#include <cmath>
#include <random>

#include <QTemporaryDir>

#include "tests/core/fd_check.h"
#include "tests/core/random_vectors.h"
#include "core/model/moe_layer.h"
#include "core/routing/router_registry.h"
#include "dataset_skips.h"
#include "session_fixtures.h"

using namespace moe;
using namespace moe::core;
using namespace moe::core::testing;
using compute::Tensor;

namespace {

constexpr int kRows = 6, kIn = 4, kOut = 3;

using moe::testing::dot;
using moe::testing::finiteDifferences;
using moe::testing::randomVec;

std::vector<std::int32_t> planShape(const DispatchPlan& p) {
  std::vector<std::int32_t> s = p.rowPtr;
  s.insert(s.end(), p.rowExperts.begin(), p.rowExperts.end());
  s.push_back(-1);
  s.insert(s.end(), p.offsets.begin(), p.offsets.end());
  return s;
}

ModelConfig layerConfig(const std::string& router, int shared, int split) {
  ModelConfig mc;
  mc.router = router;
  mc.experts = 2;
  mc.topK = 1;
  mc.expertHidden = 4;
  mc.sharedExperts = shared;
  mc.expertSplit = split;
  mc.activation = compute::Activation::Tanh;
  mc.capacityFactor = 2.0;
  mc.noiseScale = 0.5;
  return mc;
}

}  // namespace

class TestSharedExperts : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void layerGradients_data() {
    QTest::addColumn<QString>("router");
    QTest::addColumn<int>("shared");
    QTest::addColumn<int>("split");
    for (const RouterEntry& r : routerRegistry())
      for (auto [shared, split] : {std::pair{2, 1}, {0, 2}, {1, 2}})
        QTest::newRow(qPrintable(QString("%1 shared %2 split %3").arg(r.info.name).arg(shared).arg(split)))
            << QString(r.info.name) << shared << split;
  }

  // sum(C .* y) + weighted aux losses w.r.t. every parameter (router, routed and shared
  // experts) and x; entries whose perturbation changes a routing decision are skipped.
  void layerGradients() {
    QFETCH(QString, router);
    QFETCH(int, shared);
    QFETCH(int, split);
    compute::CpuBackend be(1);
    std::mt19937_64 rng(5);
    const ModelConfig mc = layerConfig(router.toStdString(), shared, split);
    MoeLayer layer(be, kIn, kOut, mc, rng);
    QCOMPARE(layer.plan().experts == 0 || layer.plan().experts == 2 * split, true);
    QCOMPARE(layer.shared() != nullptr, shared > 0);
    for (Parameter* p : layer.router().parameters()) be.axpby(0.0f, p->value, 4.0f, p->value);
    Tensor x = be.alloc(kRows, kIn);
    be.write(x, std::span<const float>(randomVec(std::size_t(kRows) * kIn, rng)));
    const auto c = randomVec(std::size_t(kRows) * kOut, rng);
    const LossConfig lc{0.3, 0.2, 0.2, 0.1};
    auto objective = [&] {
      return dot(compute::toHost(be, layer.forward(x, true, lc, 77, 3)), c) +
             layer.auxLosses().weighted;
    };
    objective();
    QCOMPARE(layer.plan().experts, 2 * split);
    const auto reference = planShape(layer.plan());
    Tensor dy = be.alloc(kRows, kOut), dx = be.alloc(kRows, kIn);
    be.write(dy, std::span<const float>(c));
    layer.backward(dy, &dx, 0.0f);
    std::vector<Parameter*> params = layer.parameters();
    Parameter xp;
    xp.name = "x";
    xp.value = x;
    xp.grad = dx;
    params.push_back(&xp);
    const auto r = finiteDifferences(be, params, 5e-3, 1e-3, 2e-2, objective,
                                     [&] { return planShape(layer.plan()) == reference; });
    QVERIFY2(r.failure.empty(), r.failure.c_str());
    QVERIFY2(r.checked > 10 * r.skipped, qPrintable(QString("checked %1, skipped %2").arg(r.checked).arg(r.skipped)));
  }

  // m-way split: m times the experts, each 1/m as wide, m times k: the routed experts' weight
  // matrices a row uses are as many as before (each split expert adds only its output bias).
  void parameterCounts() {
    compute::CpuBackend be(1);
    std::mt19937_64 rng(1);
    ModelConfig mc = layerConfig("topk", 0, 1);
    mc.experts = 4;
    mc.topK = 2;
    mc.expertHidden = 8;
    const long perExpert = long(kIn) * 8 + 8 + 8L * kOut + kOut;
    const long router = long(kIn) * 4 + 4;
    MoeLayer plain(be, kIn, kOut, mc, rng);
    QCOMPARE(plain.paramCount(), router + 4 * perExpert);
    QCOMPARE(plain.activeParamsPerRow(), router + 2 * perExpert);
    mc.expertSplit = 2;
    mc.sharedExperts = 3;
    MoeLayer fine(be, kIn, kOut, mc, rng);
    const long perSmall = long(kIn) * 4 + 4 + 4L * kOut + kOut;
    const long router2 = long(kIn) * 8 + 8;
    QCOMPARE(fine.experts().experts(), 8);
    QCOMPARE(fine.router().expertsPerRow(), 4);
    QCOMPARE(fine.paramCount(), router2 + 8 * perSmall + 3 * perSmall);
    QCOMPARE(fine.activeParamsPerRow(), router2 + 4 * perSmall + 3 * perSmall);
    long counted = 0;
    for (Parameter* p : fine.parameters()) counted += long(p->value.size());
    QCOMPARE(counted, fine.paramCount());
    QCOMPARE(4 * perSmall - 2 * perExpert, 2L * kOut);  // only the extra output biases
  }

  void refusesSplitsThatDoNotDivide() {
    TrainConfig c;
    c.model.expertHidden = 256;
    c.model.expertSplit = 3;
    try {
      c.validate();
      QFAIL("a split of 3 of width 256 was accepted");
    } catch (const ConfigError& e) {
      QVERIFY(std::string(e.what()).find("expert split 3") != std::string::npos);
    }
    c.model.expertSplit = 4;
    c.validate();
    c.model.expertHidden = 0;
    QVERIFY_THROWS_EXCEPTION(ConfigError, c.validate());
    c.model.expertSplit = 1;
    c.model.sharedExperts = -1;
    QVERIFY_THROWS_EXCEPTION(ConfigError, c.validate());
  }

  // Shared experts' parameters are saved like the others: a loaded session continues exactly.
  void checkpointRoundTrip() {
    MOE_SKIP_WITHOUT_FASHION_MNIST();
    const auto data = smallFashionMnist();
    TrainConfig c = smallMoeConfig(16, 3);
    c.model.sharedExperts = 2;
    c.model.expertSplit = 2;
    auto a = makeSession(c, data);
    QCOMPARE(a->model().moe()->experts().experts(), 8);
    for (int i = 0; i < 3; ++i) a->trainStep();
    QTemporaryDir dir;
    const std::string file = dir.filePath("shared.ckpt").toStdString();
    a->save(file);
    std::vector<double> lossesA;
    for (int i = 0; i < 3; ++i) lossesA.push_back(a->trainStep().loss);
    TrainConfig other = c;
    other.seed = 99;
    auto b = makeSession(other, data);
    b->load(file);
    std::vector<double> lossesB;
    for (int i = 0; i < 3; ++i) lossesB.push_back(b->trainStep().loss);
    QCOMPARE(lossesB, lossesA);
    QCOMPARE(paramValues(*b), paramValues(*a));
    // A model without shared experts cannot take the file.
    TrainConfig plain = c;
    plain.model.sharedExperts = 0;
    auto p = makeSession(plain, data);
    QVERIFY_THROWS_EXCEPTION(std::exception, p->load(file));
    // A short run learns, and the evaluation's routing has the routed experts only.
    const auto eval = a->evaluate();
    QVERIFY(eval->quality > 0.4);
    QCOMPARE(eval->experts, 8);
    QCOMPARE(eval->routing.load.size(), std::size_t(8));
  }
};

QTEST_GUILESS_MAIN(TestSharedExperts)
#include "test_shared_experts.moc"
