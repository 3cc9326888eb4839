// Finite-difference gradient checks (tiny-dnn style) for every layer with a backward pass:
// Linear, ExpertBank, MoeLayer (every router, and a hand-made weighted plan) and the whole
// classifiers; the routers' Gating and auxiliary losses are test_gating_gradients.cpp's. The
// router tables come from the registry, so a new router is checked with no edit here. Central
// differences on small sizes (tests/core/gradient_check.h).
#include <QtTest>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "compute/cpu/cpu_backend.h"
#include "core/model/classifiers.h"
#include "core/model/expert_bank.h"
#include "core/model/linear.h"
#include "core/model/model.h"
#include "core/model/moe_layer.h"
#include "core/routing/router_registry.h"
#include "tests/core/gradient_check.h"

using namespace moe;
using namespace moe::core;
using namespace moe::testing;
using compute::Tensor;

Q_DECLARE_METATYPE(moe::core::ModelKind)
Q_DECLARE_METATYPE(moe::compute::Activation)


class TestGradients : public QObject {
  Q_OBJECT

 private:
  compute::CpuBackend mBackend{1};

 private Q_SLOTS:
  void linear();
  void expertBank_data();
  void expertBank();
  void moeLayer_data();
  void moeLayer();
  void weightedPlan();
  void model_data();
  void model();
};

void TestGradients::linear() {
  std::mt19937_64 rng(1);
  Linear lin(mBackend, "lin", kIn, kOut, rng);
  Tensor x = upload(mBackend, randomVec(std::size_t(kRows) * kIn, rng), kRows, kIn);
  const auto c = randomVec(std::size_t(kRows) * kOut, rng);
  Tensor y = mBackend.alloc(kRows, kOut), dy = upload(mBackend, c, kRows, kOut);
  Tensor dx = mBackend.alloc(kRows, kIn);
  auto objective = [&] {
    lin.forward(x, y);
    return dot(compute::toHost(mBackend, y), c);
  };
  objective();
  lin.backward(x, dy, &dx);
  GradCheck check(1e-2, 1e-3);
  checkTensor(mBackend, lin.weight().value, compute::toHost(mBackend, lin.weight().grad), objective,
              1e-2, "weight", check);
  checkTensor(mBackend, lin.bias().value, compute::toHost(mBackend, lin.bias().grad), objective,
              1e-2, "bias", check);
  checkTensor(mBackend, x, compute::toHost(mBackend, dx), objective, 1e-2, "x", check);
  QVERIFY2(check.ok(), check.report().constData());

  // dxBeta accumulates into dx instead of overwriting it.
  const auto dx1 = compute::toHost(mBackend, dx);
  lin.backward(x, dy, &dx, 1.0f);
  const auto dx2 = compute::toHost(mBackend, dx);
  for (std::size_t i = 0; i < dx1.size(); ++i) QCOMPARE(dx2[i], 2.0f * dx1[i]);
}

void TestGradients::expertBank_data() {
  QTest::addColumn<int>("hidden");
  QTest::addColumn<compute::Activation>("act");
  QTest::newRow("mlp tanh") << kHidden << compute::Activation::Tanh;
  QTest::newRow("mlp gelu") << kHidden << compute::Activation::Gelu;
  QTest::newRow("mlp silu") << kHidden << compute::Activation::Silu;
  QTest::newRow("linear") << 0 << compute::Activation::Tanh;
}

void TestGradients::expertBank() {
  QFETCH(int, hidden);
  QFETCH(compute::Activation, act);
  std::mt19937_64 rng(2);
  ExpertBank bank(mBackend, kExperts, kIn, hidden, kOut, act, rng);
  const std::vector<int> offsets{0, 2, 2, 5, 7};  // expert 1 gets no rows
  const int slots = offsets.back();
  Tensor xe = upload(mBackend, randomVec(std::size_t(slots) * kIn, rng, -1.5f, 1.5f), slots, kIn);
  const auto c = randomVec(std::size_t(slots) * kOut, rng);
  Tensor dye = upload(mBackend, c, slots, kOut), dxe = mBackend.alloc(slots, kIn);
  auto objective = [&] { return dot(compute::toHost(mBackend, bank.forward(xe, offsets)), c); };
  objective();
  bank.backward(dye, &dxe);
  const auto dx = compute::toHost(mBackend, dxe);
  std::vector<std::vector<float>> grads;
  for (Parameter* p : bank.parameters()) grads.push_back(compute::toHost(mBackend, p->grad));
  QCOMPARE(int(grads.size()), hidden > 0 ? 4 : 2);

  GradCheck check(1e-2, 1e-3);
  const auto params = bank.parameters();
  for (std::size_t i = 0; i < params.size(); ++i)
    checkTensor(mBackend, params[i]->value, grads[i], objective, 1e-2, params[i]->name, check);
  checkTensor(mBackend, xe, dx, objective, 1e-2, "xe", check);
  QVERIFY2(check.ok(), check.report().constData());

  // The expert without rows gets exactly zero gradient.
  const auto b1 = compute::toHost(mBackend, params[1]->grad);
  const int firstOut = hidden > 0 ? hidden : kOut;
  for (int j = 0; j < firstOut; ++j) QCOMPARE(b1[std::size_t(firstOut + j)], 0.0f);
}

void TestGradients::moeLayer_data() {
  QTest::addColumn<QString>("router");
  QTest::addColumn<int>("k");
  QTest::addColumn<int>("hidden");
  QTest::addColumn<bool>("withAux");
  for (bool aux : {false, true}) {
    const QString tag = aux ? " + aux losses" : "";
    for (const RouterEntry& r : routerRegistry()) {
      const QString n = r.info.name;
      QTest::newRow(qPrintable(n + tag)) << n << kFor(n.toStdString(), 2) << kHidden << aux;
    }
    QTest::newRow(qPrintable("topk k=2 linear experts" + tag)) << QString("topk") << 2 << 0 << aux;
  }
}

// Objective = sum C .* y + weighted aux losses, w.r.t. router and expert parameters and x.
void TestGradients::moeLayer() {
  QFETCH(QString, router);
  QFETCH(int, k);
  QFETCH(int, hidden);
  QFETCH(bool, withAux);
  std::mt19937_64 rng(5);
  ModelConfig mc;
  mc.router = router.toStdString();
  mc.experts = kExperts;
  mc.topK = k;
  mc.expertHidden = hidden;
  mc.activation = compute::Activation::Tanh;
  mc.capacityFactor = 1.0;
  mc.noiseScale = 0.5;
  LossConfig lc{0.0, 0.0, 0.0, 0.0};
  if (withAux) lc = LossConfig{0.3, 0.2, 0.2, 0.1};
  MoeLayer layer(mBackend, kIn, kOut, mc, rng);
  // Scale the gate up so routing decisions are clear-cut (tiny perturbations do not flip them).
  for (Parameter* p : layer.router().parameters()) mBackend.axpby(0.0f, p->value, 4.0f, p->value);
  Tensor x = upload(mBackend, randomVec(std::size_t(kRows) * kIn, rng), kRows, kIn);
  const auto c = randomVec(std::size_t(kRows) * kOut, rng);
  auto objective = [&] {
    const Tensor& y = layer.forward(x, true, lc, 77, 3);
    return dot(compute::toHost(mBackend, y), c) + layer.auxLosses().weighted;
  };
  objective();
  const PlanShape reference(layer.plan());
  Tensor dy = upload(mBackend, c, kRows, kOut), dx = mBackend.alloc(kRows, kIn);
  layer.backward(dy, &dx, 0.0f);
  const auto dxHost = compute::toHost(mBackend, dx);
  const auto params = layer.parameters();
  std::vector<std::vector<float>> grads;
  for (Parameter* p : params) grads.push_back(compute::toHost(mBackend, p->grad));

  auto stable = [&] { return PlanShape(layer.plan()) == reference; };
  GradCheck check(2e-2, 1e-3);
  for (std::size_t i = 0; i < params.size(); ++i)
    checkTensor(mBackend, params[i]->value, grads[i], objective, 5e-3, params[i]->name, check, {},
                stable);
  checkTensor(mBackend, x, dxHost, objective, 5e-3, "x", check, {}, stable);
  QVERIFY2(check.ok(), check.report().constData());

  // Without dx the parameter gradients are the same.
  objective();
  layer.backward(dy, nullptr, 0.0f);
  for (std::size_t i = 0; i < params.size(); ++i)
    QCOMPARE(compute::toHost(mBackend, params[i]->grad), grads[i]);
}

namespace {

/** A plan by hand: per expert, slots that each mix rows (row, weight); per row, the (slot,
 *  gate) pairs its output combines. One-row slots when `weighted` is false (weight 1 each). */
DispatchPlan handPlan(bool weighted) {
  const std::vector<std::vector<std::vector<std::pair<int, float>>>> slotsOf{
      {{{0, 0.5f}, {2, 0.3f}, {4, 0.2f}}, {{1, 1.0f}}},  // expert 0: two slots
      {{{0, 0.1f}, {1, 0.2f}, {3, 0.7f}}},               // expert 1
      {},                                                 // expert 2: none
      {{{2, 0.6f}, {3, 0.4f}}, {{4, 0.9f}, {0, 0.1f}}}};  // expert 3
  const std::vector<std::vector<std::pair<int, float>>> combine{
      {{0, 0.7f}, {2, 0.3f}}, {{1, 0.5f}, {2, 0.5f}}, {{3, 1.0f}}, {}, {{4, 0.6f}, {0, 0.4f}}};
  DispatchPlan p;
  p.rows = kRows;
  p.experts = kExperts;
  p.offsets.push_back(0);
  std::vector<int> expertOf;
  if (weighted) p.slotInPtr.push_back(0);
  for (int e = 0; e < kExperts; ++e) {
    for (const auto& mix : slotsOf[std::size_t(e)]) {
      expertOf.push_back(e);
      std::pair<int, float> best{-1, -1.0f};
      for (const auto& [r, w] : mix) {
        if (w > best.second) best = {r, w};
        p.slotInRows.push_back(r);
        p.slotInWeights.push_back(w);
      }
      p.slotRow.push_back(best.first);
      p.slotGate.push_back(0.0f);
      p.slotRank.push_back(0);
      if (weighted) p.slotInPtr.push_back(std::int32_t(p.slotInRows.size()));
    }
    p.offsets.push_back(int(p.slotRow.size()));
  }
  if (!weighted) {  // the one-row twin: each slot is its representative row
    p.slotInRows.clear();
    p.slotInWeights.clear();
  }
  p.rowPtr.push_back(0);
  for (int r = 0; r < kRows; ++r) {
    for (const auto& [s, g] : combine[std::size_t(r)]) {
      p.rowSlots.push_back(s);
      p.rowGates.push_back(g);
      p.rowExperts.push_back(expertOf[std::size_t(s)]);
    }
    if (combine[std::size_t(r)].empty()) p.unrouted.push_back(r);
    p.rowPtr.push_back(std::int32_t(p.rowSlots.size()));
  }
  return p;
}

}  // namespace

// Soft-MoE-style dispatch: slots that mix rows. Forward equals the one-row plan when each slot
// is one row with weight 1; gradients w.r.t. x, the experts, the combine gates and the
// dispatch weights match central differences.
void TestGradients::weightedPlan() {
  std::mt19937_64 rng(13);
  ModelConfig mc;
  mc.experts = kExperts;
  mc.expertHidden = kHidden;
  mc.activation = compute::Activation::Tanh;
  MoeLayer layer(mBackend, kIn, kOut, mc, rng);
  Tensor x = upload(mBackend, randomVec(std::size_t(kRows) * kIn, rng), kRows, kIn);

  // A weighted plan whose slots are single rows of weight 1 gives what the one-row plan gives.
  DispatchPlan one = handPlan(false), unit = handPlan(false);
  unit.slotInPtr.clear();
  unit.slotInPtr.push_back(0);
  for (int s = 0; s < unit.slots(); ++s) {
    unit.slotInRows.push_back(unit.slotRow[std::size_t(s)]);
    unit.slotInWeights.push_back(1.0f);
    unit.slotInPtr.push_back(std::int32_t(unit.slotInRows.size()));
  }
  const auto yOne = compute::toHost(mBackend, layer.forwardPlan(x, one));
  const auto yUnit = compute::toHost(mBackend, layer.forwardPlan(x, unit));
  for (std::size_t i = 0; i < yOne.size(); ++i) QVERIFY(std::fabs(yOne[i] - yUnit[i]) < 1e-6f);

  DispatchPlan plan = handPlan(true);
  QVERIFY(plan.weighted());
  const auto c = randomVec(std::size_t(kRows) * kOut, rng);
  auto objective = [&] { return dot(compute::toHost(mBackend, layer.forwardPlan(x, plan)), c); };
  objective();
  Tensor dy = upload(mBackend, c, kRows, kOut), dx = mBackend.alloc(kRows, kIn);
  layer.backwardPlan(dy, &dx, 0.0f);
  const auto dxHost = compute::toHost(mBackend, dx);
  const auto dGates = layer.rowGateGrads(), dWeights = layer.slotWeightGrads();
  QCOMPARE(dWeights.size(), plan.slotInWeights.size());
  QCOMPARE(dGates.size(), plan.rowGates.size());
  const auto params = layer.experts().parameters();
  std::vector<std::vector<float>> grads;
  for (Parameter* p : params) grads.push_back(compute::toHost(mBackend, p->grad));

  GradCheck check(2e-2, 1e-3);
  for (std::size_t i = 0; i < params.size(); ++i)
    checkTensor(mBackend, params[i]->value, grads[i], objective, 5e-3, params[i]->name, check);
  checkTensor(mBackend, x, dxHost, objective, 5e-3, "x", check);
  checkHost(plan.slotInWeights, dWeights, objective, 5e-3, "slotInWeights", check);
  checkHost(plan.rowGates, dGates, objective, 5e-3, "rowGates", check);
  QVERIFY2(check.ok(), check.report().constData());

  // dxBeta accumulates; without dx the expert and weight gradients are the same.
  layer.backwardPlan(dy, &dx, 1.0f);
  const auto dx2 = compute::toHost(mBackend, dx);
  for (std::size_t i = 0; i < dx2.size(); ++i) QVERIFY(std::fabs(dx2[i] - 2.0f * dxHost[i]) < 1e-5f);
  layer.backwardPlan(dy, nullptr, 0.0f);
  QCOMPARE(layer.slotWeightGrads(), dWeights);
  for (std::size_t i = 0; i < params.size(); ++i)
    QCOMPARE(compute::toHost(mBackend, params[i]->grad), grads[i]);
}

void TestGradients::model_data() {
  QTest::addColumn<ModelKind>("kind");
  QTest::addColumn<QString>("router");
  for (ModelKind m : {ModelKind::MoeClassifier, ModelKind::StemMoe, ModelKind::DeepMoe})
    for (const RouterEntry& r : routerRegistry())
      QTest::newRow(qPrintable(QString(modelName(m)) + " " + r.info.name)) << m << QString(r.info.name);
  QTest::newRow("dense-mlp") << ModelKind::DenseMlp << QString(defaultRouterName().c_str());
}

// Whole models without a Session: createModel, forward, cross-entropy (+ aux), backward, and
// central differences of the loss on sampled parameter entries.
void TestGradients::model() {
  QFETCH(ModelKind, kind);
  QFETCH(QString, router);
  std::mt19937_64 rng(6);
  const int rows = 6, features = 7, classes = 3;
  Dataset data;
  data.name = "synthetic";
  data.kind = DataKind::Dense;
  data.features = features;
  data.classes = classes;
  data.x = randomVec(std::size_t(rows) * features, rng);
  for (int r = 0; r < rows; ++r) data.labels.push_back(r % classes);

  TrainConfig config;
  config.seed = 9;
  config.model.kind = kind;
  config.model.router = router.toStdString();
  config.model.experts = kExperts;
  config.model.topK = kFor(config.model.router, 2);
  config.model.expertHidden = kHidden;
  config.model.stemWidth = 5;
  config.model.activation = compute::Activation::Tanh;
  config.model.capacityFactor = 2.0;
  config.loss = LossConfig{0.1, 0.05, 0.05, 0.01};
  auto model = createModel(config, data, mBackend);
  QVERIFY(model);
  QCOMPARE(model->moe() == nullptr, kind == ModelKind::DenseMlp);
  const std::vector<MoeLayer*> layers = model->moeLayers();
  QCOMPARE(int(layers.size()), kind == ModelKind::DeepMoe ? config.model.layers : model->moe() ? 1 : 0);
  for (MoeLayer* layer : layers)
    for (Parameter* p : layer->router().parameters())
      mBackend.axpby(0.0f, p->value, 4.0f, p->value);

  Batch batch;
  batch.rows = rows;
  batch.x = upload(mBackend, data.x, rows, features);
  batch.source = &data;
  for (int r = 0; r < rows; ++r) batch.indices.push_back(r);
  Tensor labels = mBackend.alloc(rows, 1, compute::DType::I32);
  mBackend.write(labels, std::span<const std::int32_t>(data.labels));
  Tensor dLogits = mBackend.alloc(rows, classes), scratch = mBackend.alloc(rows, classes);
  const StepContext ctx{config.loss, 11, 2};
  auto objective = [&] {
    const Tensor& logits = model->forward(batch, true, ctx);
    const double ce = mBackend.crossEntropy(logits, labels, 0.0f, scratch) / rows;
    double aux = 0.0;  // every layer's (deep-moe: each router has its own)
    for (MoeLayer* layer : layers) aux += layer->auxLosses().weighted;
    return ce + aux;
  };
  const double loss = objective();
  QVERIFY(std::isfinite(loss));
  std::vector<PlanShape> reference;
  for (MoeLayer* layer : layers) reference.emplace_back(layer->plan());
  {
    const Tensor& logits = model->forward(batch, true, ctx);
    mBackend.crossEntropy(logits, labels, 1.0f / rows, dLogits);
    model->backward(dLogits);
  }
  auto stable = [&] {
    for (std::size_t l = 0; l < layers.size(); ++l)
      if (!(PlanShape(layers[l]->plan()) == reference[l])) return false;
    return true;
  };

  GradCheck check(2e-2, 5e-4);
  std::mt19937_64 pick(12);
  for (Parameter* p : model->parameters()) {
    const auto grad = compute::toHost(mBackend, p->grad);
    std::vector<std::size_t> which;
    std::uniform_int_distribution<std::size_t> d(0, grad.size() - 1);
    for (int i = 0; i < 6; ++i) which.push_back(d(pick));
    // eps 1e-3: with this seed a stem ReLU input lies within 5e-3 of the kink.
    checkTensor(mBackend, p->value, grad, objective, 1e-3, p->name, check, which, stable);
  }
  QVERIFY2(check.ok(), check.report().constData());
}

QTEST_GUILESS_MAIN(TestGradients)
#include "test_gradients.moc"
