// Training: determinism, a real accuracy floor on Fashion-MNIST, every router kind, divergence
// handling, live settings, the threaded Trainer and config validation.
#include <QtTest>

#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "compute/cpu/cpu_backend.h"
#include "core/data/catalog.h"
#include "core/data/splits.h"
#include "core/model/model.h"
#include "core/optim/optimizer.h"
#include "core/routing/router_registry.h"
#include "core/train/session.h"
#include "core/train/trainer.h"
#include "tests/core/dataset_skips.h"
#include "tests/core/session_fixtures.h"

using namespace moe;
using namespace moe::core;

Q_DECLARE_METATYPE(moe::core::ModelKind)

namespace {

using testing::makeSession;
using testing::paramValues;

/** A small, fast MoE configuration on 784 inputs. */
TrainConfig smallConfig() {
  TrainConfig c = testing::smallMoeConfig(32, 5);
  c.model.stemWidth = 32;
  c.maxTrain = 2000;
  return c;
}

double mean(const std::vector<double>& v, std::size_t from, std::size_t to) {
  return std::accumulate(v.begin() + long(from), v.begin() + long(to), 0.0) / double(to - from);
}

}  // namespace

class TestTraining : public QObject {
  Q_OBJECT

 private:
  std::shared_ptr<const DataSplits> mData;   ///< 6000 train rows, the full test split
  std::shared_ptr<const DataSplits> mSmall;  ///< 6000 train rows, 1000 test rows

 private Q_SLOTS:
  void initTestCase();
  void determinism_data();
  void determinism();
  void learnsFashionMnist();
  void everyRouterTrains_data();
  void everyRouterTrains();
  void divergenceOnNaNData();
  void absurdLearningRateNeverCrashes();
  void optimizerSkipsNonFiniteGradients();
  void liveSettings();
  void trainer();
  void trainerStopsMidEpoch();
  void configValidation_data();
  void configValidation();
  void configJsonRoundTrip();
  void configJsonErrors();
};

void TestTraining::initTestCase() {
  MOE_SKIP_WITHOUT_FASHION_MNIST();
  DataOptions opt;
  opt.maxTrain = 6000;
  opt.validationFraction = 0.0;
  opt.seed = 1;
  auto data = std::make_shared<DataSplits>(loadDataset("fashion-mnist", opt));
  QCOMPARE(data->train.rows(), 6000);
  QCOMPARE(data->test.rows(), 10000);
  QCOMPARE(data->train.features, 784);
  auto small = std::make_shared<DataSplits>();
  small->train = data->train;
  small->test = subset(data->test, 1000, 3);
  mData = data;
  mSmall = small;
}

void TestTraining::determinism_data() {
  QTest::addColumn<QString>("router");
  QTest::addColumn<ModelKind>("model");
  QTest::newRow("topk moe") << QString("topk") << ModelKind::MoeClassifier;
  QTest::newRow("noisy-topk moe") << QString("noisy-topk") << ModelKind::MoeClassifier;
  QTest::newRow("switch stem-moe") << QString("switch") << ModelKind::StemMoe;
}

void TestTraining::determinism() {
  QFETCH(QString, router);
  QFETCH(ModelKind, model);
  TrainConfig c = smallConfig();
  c.model.router = router.toStdString();
  c.model.kind = model;
  if (router == "switch") c.model.topK = 1;
  auto run = [&](std::uint64_t seed) {
    TrainConfig cc = c;
    cc.seed = seed;
    auto s = makeSession(cc, mSmall);
    std::vector<double> losses;
    for (int i = 0; i < 20; ++i) losses.push_back(s->trainStep().loss);
    return losses;
  };
  const auto a = run(5), b = run(5), other = run(6);
  QCOMPARE(a, b);  // bit-identical
  QVERIFY(a != other);
  for (double l : a) QVERIFY(std::isfinite(l));
}

// Measured: this configuration reaches 0.822 test accuracy on the full 10,000-row test split
// (6 epochs on 6000 rows, seed 5; deterministic for any thread count); the floor leaves two
// points. For scale: 2 epochs reach 0.782, one epoch on all 60,000 rows 0.835, and the dense
// baseline of equal active width 0.818 under the same budget.
void TestTraining::learnsFashionMnist() {
  TrainConfig c;
  c.model.router = "topk";
  c.model.experts = 8;
  c.model.topK = 2;
  c.model.expertHidden = 64;
  c.optim.lr = 1e-3;
  c.batchSize = 64;
  c.epochs = 6;
  c.seed = 5;
  c.threads = 2;
  auto s = makeSession(c, mData);
  QCOMPARE(s->stepsPerEpoch(), 94L);
  const auto t0 = std::chrono::steady_clock::now();
  long steps = 0;
  while (!s->finished()) {
    s->trainStep();
    ++steps;
  }
  QCOMPARE(steps, 6 * 94L);
  QCOMPARE(s->epoch(), 6);
  const auto report = s->evaluate();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  qInfo("top-2 MoE, 8 experts: test accuracy %.4f, loss %.4f after %ld steps (%.1f s)",
        report->quality, report->loss, steps, secs);
  QVERIFY2(report->quality >= 0.80, qPrintable(QString::number(report->quality)));
  QCOMPARE(report->predictions.size(), std::size_t(10000));
  QCOMPARE(report->gateProbs.size(), std::size_t(10000) * 8);
  QCOMPARE(report->topExperts.size(), std::size_t(10000) * 2);
  QVERIFY(report->mutualInformation > 0.0);
  QVERIFY(std::fabs(std::accumulate(report->routing.load.begin(), report->routing.load.end(), 0.0) -
                    1.0) < 1e-5);
}

void TestTraining::everyRouterTrains_data() {
  QTest::addColumn<QString>("router");
  QTest::addColumn<ModelKind>("model");
  for (const RouterEntry& r : routerRegistry())  // every registered router, no edit here
    for (ModelKind m : {ModelKind::MoeClassifier, ModelKind::StemMoe})
      QTest::newRow(qPrintable(QString(r.info.name) + " / " + modelName(m)))
          << QString(r.info.name) << m;
  QTest::newRow("dense-mlp") << QString("topk") << ModelKind::DenseMlp;
}

void TestTraining::everyRouterTrains() {
  QFETCH(QString, router);
  QFETCH(ModelKind, model);
  TrainConfig c = smallConfig();
  c.model.router = router.toStdString();
  c.model.kind = model;
  c.model.topK = std::min(2, expertsPerRow(c.model.router, 2, c.model.experts));
  c.loss = LossConfig{0.01, 0.01, 0.01, 1e-3};
  c.optim.lr = 3e-3;
  c.batchSize = 64;
  auto s = makeSession(c, mSmall);
  std::vector<double> losses;
  for (int i = 0; i < 24; ++i) {
    const StepMetrics m = s->trainStep();
    QVERIFY(std::isfinite(m.loss));
    QVERIFY(std::isfinite(m.auxTotal));
    QCOMPARE(m.step, long(i + 1));
    if (model != ModelKind::DenseMlp) {
      QCOMPARE(int(m.routing.load.size()), c.model.experts);
      QVERIFY(std::fabs(std::accumulate(m.routing.load.begin(), m.routing.load.end(), 0.0) - 1.0) <
              1e-5);
    }
    losses.push_back(m.loss);
  }
  const double first = mean(losses, 0, 4), last = mean(losses, 20, 24);
  QVERIFY2(last < 0.8 * first, qPrintable(QString("loss %1 -> %2").arg(first).arg(last)));
  const auto report = s->evaluate();
  QVERIFY(std::isfinite(report->loss));
  QVERIFY(report->quality > 0.3);
}

void TestTraining::divergenceOnNaNData() {
  for (const QString router : {"topk", "expert-choice", "switch"}) {
    auto poisoned = std::make_shared<DataSplits>(*mSmall);
    for (int r = 0; r < poisoned->train.rows(); ++r)
      poisoned->train.x[std::size_t(r) * 784 + 300] = std::numeric_limits<float>::quiet_NaN();
    TrainConfig c = smallConfig();
    c.model.router = router.toStdString();
    c.model.topK = std::min(2, expertsPerRow(c.model.router, 2, c.model.experts));
    auto s = makeSession(c, poisoned);
    const auto before = paramValues(*s);
    QVERIFY_THROWS_EXCEPTION(DivergenceError, s->trainStep());
    try {
      s->trainStep();
    } catch (const DivergenceError& e) {
      QVERIFY2(QString(e.what()).contains("NaN"), e.what());
      QVERIFY2(QString(e.what()).contains("step 1"), e.what());
    }
    QCOMPARE(s->step(), 0L);
    QVERIFY(paramValues(*s) == before);  // bit-identical weights after the refused step
    QVERIFY(std::isfinite(s->evaluate()->loss));  // the clean test split still evaluates
  }
}

void TestTraining::absurdLearningRateNeverCrashes() {
  TrainConfig c = smallConfig();
  c.optim.kind = OptimizerKind::Sgd;
  c.optim.lr = 10.0;
  c.optim.momentum = 0.99;
  c.model.kind = ModelKind::StemMoe;
  auto s = makeSession(c, mSmall);
  QString diverged;
  for (int i = 0; i < 30; ++i) {
    const auto before = paramValues(*s);
    const long step = s->step();
    try {
      const StepMetrics m = s->trainStep();
      QVERIFY(std::isfinite(m.loss));
    } catch (const DivergenceError& e) {
      diverged = e.what();
      QCOMPARE(s->step(), step);
      QVERIFY(paramValues(*s) == before);
      break;
    }
  }
  qInfo("lr 10 SGD: %s", diverged.isEmpty() ? "stayed finite" : qPrintable(diverged));
}

// A non-finite gradient must not reach the weights (the Session then reports divergence with
// the weights as they were).
void TestTraining::optimizerSkipsNonFiniteGradients() {
  compute::CpuBackend backend(1);
  std::mt19937_64 rng(1);
  Parameter p = makeParameter(backend, "p", 3, 4, 1.0f, rng);
  const auto before = compute::toHost(backend, p.value);
  for (OptimizerKind kind : {OptimizerKind::Sgd, OptimizerKind::Adam, OptimizerKind::AdamW}) {
    OptimConfig oc;
    oc.kind = kind;
    oc.lr = 0.1;
    Optimizer opt(backend, {&p}, oc);
    std::vector<float> g(12, 0.5f);
    g[5] = std::numeric_limits<float>::infinity();
    backend.write(p.grad, std::span<const float>(g));
    const double norm = opt.step();
    QVERIFY(!std::isfinite(norm));
    QCOMPARE(compute::toHost(backend, p.value), before);
    QCOMPARE(opt.steps(), 0L);
    for (auto& [name, t] : opt.state())
      for (float v : compute::toHost(backend, *t)) QCOMPARE(v, 0.0f);
  }
}

void TestTraining::liveSettings() {
  TrainConfig c = smallConfig();
  c.model.router = "switch";
  c.model.topK = 1;
  c.model.capacityFactor = 0.25;
  auto s = makeSession(c, mSmall);
  StepMetrics m = s->trainStep();
  QCOMPARE(m.lr, 1e-3);
  QVERIFY(m.routing.droppedFraction >= 0.5);  // capacity holds a quarter of the batch
  s->mutableConfig().optim.lr = 0.02;
  s->mutableConfig().model.capacityFactor = 8.0;
  s->applyLive();
  m = s->trainStep();
  QCOMPARE(m.lr, 0.02);
  QCOMPARE(m.routing.droppedFraction, 0.0);
  // An invalid live value is refused by applyLive.
  s->mutableConfig().optim.lr = -1.0;
  QVERIFY_THROWS_EXCEPTION(ConfigError, s->applyLive());
}

namespace {
template <typename F>
bool waitFor(F condition, int ms = 20000) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}
}  // namespace

void TestTraining::trainer() {
  TrainConfig c = smallConfig();
  c.maxTrain = 1000;
  c.epochs = 3;
  auto session = makeSession(c, mSmall);
  QCOMPARE(session->stepsPerEpoch(), 10L);
  Trainer t(std::move(session));
  QCOMPARE(t.state(), TrainerState::Paused);
  RunHistory rows;
  HistoryCursor cursor;
  t.historySince(cursor, rows);
  QCOMPARE(rows.steps().size(), std::size_t(0));

  t.stepBatch();
  QVERIFY(waitFor([&] { return t.snapshot().step == 1 && t.state() == TrainerState::Paused; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  QCOMPARE(t.snapshot().step, 1L);  // one batch, then it stays paused
  t.historySince(cursor, rows);
  QCOMPARE(cursor.steps, std::size_t(1));
  QCOMPARE(rows.steps().size(), std::size_t(1));
  QCOMPARE(rows.steps()[0].step, 1L);

  // A posted command runs on the worker, between steps.
  long seenStep = -1;
  t.post([&](Session& s) { seenStep = s.step(); }).get();
  QCOMPARE(seenStep, 1L);
  // Errors in commands come back through the future.
  auto failing = t.post([](Session&) { throw std::runtime_error("boom"); });
  QVERIFY_THROWS_EXCEPTION(std::runtime_error, failing.get());

  // Inspection: gate probabilities sum to 1 and the chosen experts come first choice first.
  const Inspection in = t.inspect(3).get();
  QCOMPARE(in.index, 3);
  QCOMPARE(in.experts, 4);
  QCOMPARE(int(in.gateProbs.size()), 4);
  QVERIFY(std::fabs(std::accumulate(in.gateProbs.begin(), in.gateProbs.end(), 0.0) - 1.0) < 1e-5);
  QCOMPARE(int(in.chosen.size()), 2);
  QVERIFY(in.gateProbs[std::size_t(in.chosen[0])] >= in.gateProbs[std::size_t(in.chosen[1])]);
  QVERIFY(std::fabs(in.chosenGates[0] + in.chosenGates[1] - 1.0) < 1e-5);
  QCOMPARE(int(in.expertPredictions.size()), 2);
  QCOMPARE(int(in.prediction.size()), 10);
  QCOMPARE(int(in.saliency.size()), 784);
  QVERIFY_THROWS_EXCEPTION(std::out_of_range, t.inspect(100000).get());

  // Live learning rate through the command queue.
  t.setLearningRate(5e-3);
  t.stepBatch();
  QVERIFY(waitFor([&] { return t.snapshot().step == 2 && t.state() == TrainerState::Paused; }));
  QCOMPARE(t.snapshot().latest.lr, 5e-3);

  // Step to the end of the epoch: 10 steps per epoch, and an evaluation is published there.
  t.stepEpoch();
  QVERIFY(waitFor([&] { return t.snapshot().step == 10 && t.state() == TrainerState::Paused; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  Snapshot snap = t.snapshot();
  QCOMPARE(snap.step, 10L);
  QCOMPARE(snap.epoch, 1);
  QCOMPARE(snap.epochProgress, 1.0);
  QVERIFY(snap.lastEval);
  std::vector<std::shared_ptr<const EvalReport>> evals;
  QCOMPARE(t.evalsSince(0, evals), std::size_t(1));
  QCOMPARE(evals[0]->step, 10L);

  // Play, then pause: steps stop coming.
  t.play();
  QVERIFY(waitFor([&] { return t.snapshot().step >= 13; }));
  t.pause();
  QVERIFY(waitFor([&] { return t.state() == TrainerState::Paused; }));
  const long pausedAt = t.snapshot().step;
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  QCOMPARE(t.snapshot().step, pausedAt);
  rows.clear();
  cursor = {10, 0};
  t.historySince(cursor, rows);
  QCOMPARE(cursor.steps, std::size_t(pausedAt));
  QCOMPARE(cursor.evals, rows.evals().size());
  QCOMPARE(rows.steps().size(), std::size_t(pausedAt - 10));
  for (std::size_t i = 0; i < rows.steps().size(); ++i) QCOMPARE(rows.steps()[i].step, long(11 + i));

  // Run to the end: Finished after 3 epochs.
  t.play();
  QVERIFY(waitFor([&] { return t.state() == TrainerState::Finished; }));
  QCOMPARE(t.snapshot().step, 30L);
  cursor = {};
  rows.clear();
  t.historySince(cursor, rows);
  QCOMPARE(rows.steps().size(), std::size_t(30));
  QCOMPARE(rows.evals().size(), std::size_t(3));  // one per epoch
  t.stop();
  QVERIFY(waitFor([&] { return t.state() == TrainerState::Finished; }));  // finished stays
}

void TestTraining::trainerStopsMidEpoch() {
  TrainConfig c = smallConfig();
  c.maxTrain = 6000;
  c.batchSize = 10;
  auto session = makeSession(c, mSmall);
  Trainer t(std::move(session));
  t.play();
  QVERIFY(waitFor([&] { return t.snapshot().step >= 3; }));
  t.stop();
  QVERIFY(waitFor([&] { return t.state() == TrainerState::Stopped; }));
  const long stoppedAt = t.snapshot().step;
  QVERIFY(stoppedAt < 600);  // cancelled mid-epoch
  // A stopped run still serves commands: saving and inspecting complete.
  QTemporaryDir dir;
  const std::string file = (dir.path() + "/stopped.ckpt").toStdString();
  QCOMPARE(t.post([&](Session& s) { s.save(file); }).wait_for(std::chrono::seconds(20)),
           std::future_status::ready);
  QVERIFY(QFileInfo::exists(QString::fromStdString(file)));
  QCOMPARE(int(t.inspect(0).get().gateProbs.size()), 4);
  // But it does not train again.
  t.play();
  t.stepBatch();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  QCOMPARE(t.snapshot().step, stoppedAt);
  QCOMPARE(t.state(), TrainerState::Stopped);
}

void TestTraining::configValidation_data() {
  QTest::addColumn<QString>("json");
  QTest::addColumn<QString>("message");
  QTest::newRow("top_k > experts") << R"({"experts": 4, "top_k": 5})" << "top-k";
  QTest::newRow("top_k 0") << R"({"top_k": 0})" << "top-k";
  QTest::newRow("experts 0") << R"({"experts": 0})" << "experts";
  QTest::newRow("capacity 0") << R"({"capacity_factor": 0})" << "capacity factor";
  QTest::newRow("lr 0") << R"({"lr": 0})" << "learning rate";
  QTest::newRow("lr huge") << R"({"lr": 100})" << "learning rate";
  QTest::newRow("momentum 1") << R"({"momentum": 1.0})" << "momentum";
  QTest::newRow("beta2 1") << R"({"beta2": 1.0})" << "betas";
  QTest::newRow("batch 0") << R"({"batch_size": 0})" << "batch size";
  QTest::newRow("epochs 0") << R"({"epochs": 0})" << "epochs";
  QTest::newRow("negative aux") << R"({"aux_loss": -1})" << "aux-loss";
  QTest::newRow("negative clip") << R"({"clip_norm": -1})" << "clip";
  QTest::newRow("validation 1") << R"({"validation_fraction": 1.0})" << "validation";
  QTest::newRow("noise scale") << R"({"noise_scale": -0.5})" << "noise";
  QTest::newRow("hidden negative") << R"({"expert_hidden": -1})" << "hidden";
}

void TestTraining::configValidation() {
  QFETCH(QString, json);
  QFETCH(QString, message);
  TrainConfig c;
  from_json(nlohmann::json::parse(json.toStdString()), c);  // parsing accepts; validate refuses
  try {
    c.validate();
    QFAIL("validate() accepted an invalid config");
  } catch (const ConfigError& e) {
    QVERIFY2(QString(e.what()).contains(message), e.what());
  }
  // A Session refuses it too, before touching the data.
  QVERIFY_THROWS_EXCEPTION(ConfigError, makeSession(c, mSmall));
  // The default config is valid.
  TrainConfig().validate();
}

void TestTraining::configJsonRoundTrip() {
  TrainConfig c;
  c.dataset = "idx:/tmp/x";
  c.dataDir = "/data";
  c.model.kind = ModelKind::StemMoe;
  c.model.router = "expert-choice";
  c.model.experts = 16;
  c.model.topK = 3;
  c.model.capacityFactor = 1.5;
  c.model.expertHidden = 0;
  c.model.activation = compute::Activation::Gelu;
  c.model.stemWidth = 48;
  c.model.noiseScale = 0.5;
  c.loss = LossConfig{0.02, 0.1, 0.2, 1e-3};
  c.optim.kind = OptimizerKind::AdamW;
  c.optim.lr = 3e-4;
  c.optim.momentum = 0.5;
  c.optim.beta1 = 0.8;
  c.optim.beta2 = 0.99;
  c.optim.weightDecay = 0.01;
  c.optim.clipNorm = 1.0;
  c.epochs = 7;
  c.batchSize = 33;
  c.seed = 0xFFFFFFFFFFFFull;
  c.threads = 3;
  c.backend = "opencl:0:1";
  c.maxTrain = 1234;
  c.validationFraction = 0.1;
  nlohmann::json j;
  to_json(j, c);
  TrainConfig back;
  from_json(nlohmann::json::parse(j.dump()), back);
  nlohmann::json j2;
  to_json(j2, back);
  QCOMPARE(QString::fromStdString(j2.dump()), QString::fromStdString(j.dump()));
  QCOMPARE(back.model.router, std::string("expert-choice"));
  QCOMPARE(back.model.activation, compute::Activation::Gelu);
  QCOMPARE(back.seed, c.seed);
  QCOMPARE(back.optim.lr, 3e-4);
  back.validate();
  // Missing keys keep their defaults.
  TrainConfig partial;
  from_json(nlohmann::json::parse(R"({"experts": 12})"), partial);
  QCOMPARE(partial.model.experts, 12);
  QCOMPARE(partial.model.topK, TrainConfig().model.topK);
}

void TestTraining::configJsonErrors() {
  auto error = [](const char* text) -> QString {
    try {
      TrainConfig c;
      from_json(nlohmann::json::parse(text), c);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return {};
  };
  QVERIFY(error(R"({"expertz": 4})").contains("unknown config key 'expertz'"));
  QVERIFY(error(R"({"experts": "four"})").contains("'experts' has the wrong type"));
  QVERIFY(error(R"({"router": "best"})").contains("unknown router 'best'"));
  QVERIFY(error(R"({"router": "best"})").contains("expert-choice"));  // lists the valid ones
  QVERIFY(error(R"({"activation": "swish"})").contains("swish"));
  QVERIFY(error(R"([1, 2])").contains("JSON object"));
  QVERIFY_THROWS_EXCEPTION(ConfigError, loadConfigFile("/nonexistent/config.json"));
}

QTEST_GUILESS_MAIN(TestTraining)
#include "test_training.moc"
