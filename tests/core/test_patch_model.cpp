// The patch-token image model (patch-moe): patch extraction, refused geometries, finite-difference
// gradients of every parameter for every registered router, and its routing analysis.
#include <QtTest>

#include <cmath>
#include <functional>
#include <random>

#include "tests/core/fd_check.h"
#include "tests/core/random_vectors.h"
#include "compute/backend_factory.h"
#include "core/model/patch_model.h"
#include "core/routing/router_registry.h"

using namespace moe;
using namespace moe::core;
using compute::Tensor;

namespace {

std::unique_ptr<compute::Backend> cpu() { return compute::createBackend("cpu", 1).backend; }

using moe::testing::dot;
using moe::testing::finiteDifferences;
using moe::testing::randomVec;

Tensor upload(compute::Backend& be, const std::vector<float>& v, int rows, int cols) {
  Tensor t = be.alloc(rows, cols);
  be.write(t, std::span<const float>(v));
  return t;
}

// A 6x4 image with two channels (channel-major) cut into 2x2 patches: 3 x 2 = 6 patches.
constexpr ImageGeometry kImage{4, 6, 2};
constexpr int kFeatures = 4 * 6 * 2, kPatch = 2, kPatchDim = 2 * 2 * 2;

ModelConfig smallConfig(const std::string& router, int width) {
  ModelConfig m;
  m.kind = ModelKind::PatchMoe;
  m.router = router;
  m.experts = 3;
  m.topK = std::min(2, m.experts);
  m.expertHidden = 4;
  m.activation = compute::Activation::Tanh;
  m.stemWidth = width;
  m.patchSize = kPatch;
  m.capacityFactor = 2.0;
  return m;
}

// What decides the forward's shape: each row's experts and the dropped rows.
std::vector<std::int32_t> planShape(const DispatchPlan& p) {
  std::vector<std::int32_t> s = p.rowPtr;
  s.insert(s.end(), p.rowExperts.begin(), p.rowExperts.end());
  s.push_back(-1);
  s.insert(s.end(), p.offsets.begin(), p.offsets.end());
  return s;
}

}  // namespace

class TestPatchModel : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  // With an identity patch embedding, no position embedding and a zero MoE, the tokens the
  // model sees are the patches: row-major over the image, channel-major inside a patch.
  void patchesAreCutRowMajor() {
    auto be = cpu();
    std::mt19937_64 rng(1);
    ModelConfig mc = smallConfig("topk", kPatchDim);
    mc.expertHidden = 0;
    PatchMoeClassifier model(*be, kImage, 3, mc, rng);
    QCOMPARE(model.patches(), 6);
    std::vector<float> eye(std::size_t(kPatchDim) * kPatchDim, 0.0f);
    for (int i = 0; i < kPatchDim; ++i) eye[std::size_t(i) * kPatchDim + std::size_t(i)] = 1.0f;
    be->write(model.parameters()[0]->value, std::span<const float>(eye));  // patch.embed weight
    for (std::size_t i = 1; i < model.parameters().size(); ++i)
      be->fill(model.parameters()[i]->value, 0.0f);
    std::vector<float> x(2 * std::size_t(kFeatures));
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = float(i);
    model.forwardImages(upload(*be, x, 2, kFeatures), false, StepContext{});
    const auto tokens = compute::toHost(*be, model.tokens());
    QCOMPARE(tokens.size(), std::size_t(2 * 6 * kPatchDim));
    for (int n = 0; n < 2; ++n)
      for (int p = 0; p < 6; ++p)
        for (int c = 0; c < 2; ++c)
          for (int i = 0; i < 2; ++i)
            for (int j = 0; j < 2; ++j) {
              const int y = (p / 2) * 2 + i, xx = (p % 2) * 2 + j;
              const float want = float(n * kFeatures + c * 24 + y * 4 + xx);
              const std::size_t at = std::size_t((n * 6 + p) * kPatchDim + c * 4 + i * 2 + j);
              QCOMPARE(tokens[at], want);
            }
    const auto& owners = *model.routedRowOwners();
    QCOMPARE(owners.size(), std::size_t(12));
    QCOMPARE(owners[5], 0);
    QCOMPARE(owners[6], 1);
  }

  void refusesPatchesThatDoNotDivide() {
    auto be = cpu();
    std::mt19937_64 rng(2);
    ModelConfig mc = smallConfig("topk", 4);
    mc.patchSize = 3;  // divides 6 but not 4
    QVERIFY_THROWS_EXCEPTION(ConfigError, PatchMoeClassifier(*be, kImage, 3, mc, rng));
    try {
      PatchMoeClassifier model(*be, kImage, 3, mc, rng);
    } catch (const ConfigError& e) {
      QVERIFY(std::string(e.what()).find("patch size 3") != std::string::npos);
    }
    Dataset flat;
    flat.name = "flat";
    flat.features = 7;
    QVERIFY_THROWS_EXCEPTION(ConfigError, imageGeometry(flat));
  }

  void gradients_data() {
    QTest::addColumn<QString>("router");
    for (const RouterEntry& r : routerRegistry()) QTest::newRow(r.info.name) << QString(r.info.name);
  }

  // Every parameter (patch embedding, position table, router, experts, head) against central
  // differences of sum(logits .* R) + the weighted auxiliary losses, for every router; entries
  // whose perturbation changes a routing decision are skipped.
  void gradients() {
    QFETCH(QString, router);
    auto be = cpu();
    std::mt19937_64 rng(3);
    const int images = 3, classes = 3;
    PatchMoeClassifier model(*be, kImage, classes, smallConfig(router.toStdString(), 5), rng);
    for (Parameter* p : model.moe()->router().parameters()) be->axpby(0.0f, p->value, 4.0f, p->value);
    Tensor x = upload(*be, randomVec(std::size_t(images) * kFeatures, rng), images, kFeatures);
    const auto R = randomVec(std::size_t(images) * classes, rng);
    StepContext ctx;
    ctx.loss = LossConfig{0.1, 0.05, 0.05, 0.01};
    ctx.noiseSeed = 4;
    ctx.noiseCounter = 2;
    auto objective = [&] {
      const double v = dot(compute::toHost(*be, model.forwardImages(x, true, ctx)), R);
      return v + model.moe()->auxLosses().weighted;
    };
    objective();
    const auto reference = planShape(model.moe()->plan());
    Tensor d = upload(*be, R, images, classes);
    model.backward(d);
    const auto r = finiteDifferences(
        *be, model.parameters(), 5e-3, 2e-3, 3e-2, objective,
        [&] { return planShape(model.moe()->plan()) == reference; });
    QVERIFY2(r.failure.empty(), r.failure.c_str());
    QVERIFY2(r.checked > 10 * r.skipped, qPrintable(QString("checked %1, skipped %2").arg(r.checked).arg(r.skipped)));
  }
};

QTEST_APPLESS_MAIN(TestPatchModel)
#include "test_patch_model.moc"
