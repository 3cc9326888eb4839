// The hierarchical mixture as a session's model (--model hme): config keys and refusals, a
// gradient run and an EM run on generated 2-D points (EM: one pass per step, the training
// log-likelihood never falls), the per-node share of the data in step metrics, evaluations and
// the metric table, the leaves as experts in the heatmap and mutual information, checkpoints,
// and regression (the model on its own, until a dense regression task exists).
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <span>
#include <random>

#include <QTemporaryDir>
#include <nlohmann/json.hpp>

#include "core/model/hme_model.h"
#include "core/optim/optimizer.h"
#include "core/train/metric_table.h"
#include "session_fixtures.h"

using namespace moe;
using namespace moe::core;
using namespace moe::core::testing;

namespace {

// Three classes in the plane cut by a bent boundary: a tree of logistic experts fits them.
Dataset points(int rows, std::uint64_t seed, const char* name) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  Dataset d;
  d.name = name;
  d.kind = DataKind::Dense;
  d.features = 2;
  d.classes = 3;
  d.classNames = {"low", "middle", "high"};
  for (int r = 0; r < rows; ++r) {
    const float x = u(rng), y = u(rng);
    d.x.push_back(x);
    d.x.push_back(y);
    const float v = y - std::abs(x);
    d.labels.push_back(v < -0.6f ? 0 : v < 0.0f ? 1 : 2);
  }
  return d;
}

std::shared_ptr<const DataSplits> pointSplits() {
  auto s = std::make_shared<DataSplits>();
  s->train = points(600, 1, "points");
  s->test = points(300, 2, "points");
  return s;
}

TrainConfig hmeConfig(FitMethod fit) {
  TrainConfig c;
  c.model.kind = ModelKind::Hme;
  c.model.depth = 2;
  c.model.branching = 2;
  c.model.expertHidden = 0;
  c.model.fit = fit;
  c.optim.lr = 0.05;
  c.batchSize = 100;
  c.threads = 1;
  c.epochs = 30;
  return c;
}

// A 1-D piecewise function of four linear pieces with noise (sd 0.1): what four linear experts
// under a tree of depth 2 fit exactly.
std::pair<std::vector<float>, std::vector<float>> piecewise(int rows, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::normal_distribution<float> noise(0.0f, 0.1f);
  std::vector<float> x(static_cast<std::size_t>(rows)), y(static_cast<std::size_t>(rows));
  for (int r = 0; r < rows; ++r) {
    const float v = u(rng);
    const float f = v < -0.5f ? -2.0f * v - 1.0f : v < 0.0f ? 2.0f * v + 1.0f
                    : v < 0.5f ? 1.0f - 3.0f * v : 4.0f * v - 2.5f;
    x[std::size_t(r)] = v;
    y[std::size_t(r)] = f + noise(rng);
  }
  return {x, y};
}

// The training log-likelihood (mean per row) of the model's tree on all of (x, y).
double logLikOf(const HmeModel& m, const std::vector<float>& x, const std::vector<float>& y) {
  HmeMatrix xm(Eigen::Index(x.size()), 1);
  HmeTargets t;
  t.values.resize(Eigen::Index(y.size()));
  for (std::size_t i = 0; i < x.size(); ++i) {
    xm(Eigen::Index(i), 0) = x[i];
    t.values(Eigen::Index(i)) = y[i];
  }
  HmePass p;
  m.tree().forward(xm, p);
  return m.tree().logLik(p, t).mean();
}

Batch rowsOf(compute::Backend& backend, const std::vector<float>& x, const std::vector<float>& y,
             std::size_t begin, std::size_t end) {
  Batch b;
  b.rows = int(end - begin);
  b.x = backend.alloc(b.rows, 1);
  backend.write(b.x, std::span<const float>(x.data() + begin, end - begin));
  b.targets.assign(y.begin() + long(begin), y.begin() + long(end));
  return b;
}

}  // namespace

class TestHmeSession : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void configKeysRoundTrip() {
    TrainConfig c;
    nlohmann::json j = {{"model", "hme"}, {"depth", 3}, {"branching", 3}, {"fit", "em"},
                        {"mixture_loss", "compete"}, {"expert_hidden", 0}};
    from_json(j, c);
    QCOMPARE(c.model.kind, ModelKind::Hme);
    QCOMPARE(c.model.depth, 3);
    QCOMPARE(c.model.branching, 3);
    QCOMPARE(c.model.fit, FitMethod::Em);
    nlohmann::json back;
    to_json(back, c);
    QCOMPARE(back["fit"].get<std::string>(), std::string("em"));
    QCOMPARE(back["mixture_loss"].get<std::string>(), std::string("compete"));
    QCOMPARE(back["model"].get<std::string>(), std::string("hme"));
  }

  void refusals_data() {
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("says");
    QTest::newRow("deep") << R"({"model":"hme","depth":9})" << "depth";
    QTest::newRow("too many leaves") << R"({"model":"hme","depth":5,"branching":4})" << "256";
    QTest::newRow("em on moe") << R"({"fit":"em"})" << "--model hme";
    QTest::newRow("em cooperate") << R"({"model":"hme","fit":"em","mixture_loss":"cooperate"})"
                                  << "compete";
    QTest::newRow("unknown fit") << R"({"fit":"newton"})" << "gradient, em";
  }

  void refusals() {
    QFETCH(QString, json);
    QFETCH(QString, says);
    try {
      TrainConfig c;
      from_json(nlohmann::json::parse(json.toStdString()), c);
      c.validate();
      QFAIL("accepted");
    } catch (const ConfigError& e) {
      QVERIFY2(QString::fromUtf8(e.what()).contains(says), e.what());
    }
  }

  void emRefusesMlpExpertsAndWideData() {
    TrainConfig c = hmeConfig(FitMethod::Em);
    c.model.expertHidden = 8;
    try {
      makeSession(c, pointSplits());
      QFAIL("EM accepted MLP experts");
    } catch (const ConfigError& e) {
      QVERIFY2(QString::fromUtf8(e.what()).contains("--expert-hidden 0"), e.what());
    }
    auto wide = std::make_shared<DataSplits>();
    wide->train = points(50, 1, "wide");
    wide->train.features = 100;
    wide->train.x.assign(50 * 100, 0.5f);
    wide->test = wide->train;
    try {
      makeSession(hmeConfig(FitMethod::Em), wide);
      QFAIL("EM accepted 100 features");
    } catch (const ConfigError& e) {
      QVERIFY2(QString::fromUtf8(e.what()).contains("100 features"), e.what());
    }
  }

  void gradientRunLearnsAndReportsTheTree() {
    auto s = makeSession(hmeConfig(FitMethod::Gradient), pointSplits());
    const auto first = s->evaluate();
    StepMetrics m;
    for (int i = 0; i < 6 * 40; ++i) m = s->trainStep();
    const auto last = s->evaluate();
    QVERIFY2(last->quality > 0.85, qPrintable(QString::number(last->quality)));
    QVERIFY(last->trainLogLikelihood > first->trainLogLikelihood + 0.3);
    // Seven nodes, the root holding everything, each level splitting it.
    QCOMPARE(int(m.nodeShare.size()), 7);
    QCOMPARE(m.nodeShare[0], 1.0f);
    QVERIFY(std::abs(m.nodeShare[1] + m.nodeShare[2] - 1.0f) < 1e-5f);
    QVERIFY(std::abs(m.nodeShare[3] + m.nodeShare[4] + m.nodeShare[5] + m.nodeShare[6] - 1.0f) < 1e-5f);
    QCOMPARE(int(last->nodeShare.size()), 7);
    // The leaves are the heatmap's experts.
    QCOMPARE(last->experts, 4);
    QCOMPARE(int(last->classExpert.size()), 3 * 4);
    QCOMPARE(int(last->gateProbs.size()), 300 * 4);
    QVERIFY(last->mutualInformation > 0.1);
    // The metric table carries the shares and the log-likelihood.
    const auto* share = findMetric(MetricScope::Step, "hme_node_share");
    QVERIFY(share && share->stepVector);
    QCOMPARE(share->stepVector(m).size(), std::size_t(7));
    const auto* ll = findMetric(MetricScope::Eval, "hme_train_log_likelihood");
    QVERIFY(ll && ll->eval);
    QCOMPARE(ll->eval(*last), last->trainLogLikelihood);
    QVERIFY(QString::fromStdString(s->model().describe()).contains("4 logistic experts"));
  }

  void emStepIsOnePassAndNeverLowersTheLikelihood() {
    auto s = makeSession(hmeConfig(FitMethod::Em), pointSplits());
    QCOMPARE(s->stepsPerEpoch(), 1L);
    const auto& model = dynamic_cast<const HmeModel&>(s->model());
    double last = -1e300;
    for (int i = 0; i < 12; ++i) {
      const StepMetrics m = s->trainStep();
      QCOMPARE(m.samples, 600);
      QCOMPARE(s->epoch(), i + 1);
      QVERIFY(model.lastEm().logLikAfter >= model.lastEm().logLikBefore - 1e-9);
      QVERIFY(model.lastEm().logLikBefore >= last - 1e-6);  // float parameters between steps
      last = model.lastEm().logLikAfter;
    }
    const auto eval = s->evaluate();
    QVERIFY2(eval->quality > 0.9, qPrintable(QString::number(eval->quality)));
    QVERIFY(std::abs(eval->trainLogLikelihood - last) < 1e-3);
  }

  void checkpointKeepsTheTree() {
    QTemporaryDir dir;
    auto s = makeSession(hmeConfig(FitMethod::Em), pointSplits());
    for (int i = 0; i < 3; ++i) s->trainStep();
    const std::string path = dir.filePath("hme.ckpt").toStdString();
    s->save(path);
    const auto before = s->evaluate();
    auto t = makeSession(hmeConfig(FitMethod::Em), pointSplits());
    t->load(path);
    const auto after = t->evaluate();
    QCOMPARE(after->quality, before->quality);
    QCOMPARE(after->trainLogLikelihood, before->trainLogLikelihood);
  }

  void regressionModelTrainsItsOwnObjective() {
    // y = |x| with noise: two linear experts under one gate. The model on its own (no task).
    compute::CpuBackend backend(1);
    ModelConfig mc;
    mc.kind = ModelKind::Hme;
    mc.depth = 1;
    mc.branching = 2;
    mc.expertHidden = 0;
    mc.fit = FitMethod::Em;
    std::mt19937_64 rng(4);
    HmeModel model(backend, 1, 1, true, mc, 200, rng);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    std::normal_distribution<float> noise(0.0f, 0.05f);
    Batch b;
    b.rows = 200;
    std::vector<float> x(200);
    for (int r = 0; r < 200; ++r) {
      x[std::size_t(r)] = u(rng);
      b.targets.push_back(std::abs(x[std::size_t(r)]) + noise(rng));
    }
    b.x = backend.alloc(200, 1);
    backend.write(b.x, x);
    for (int it = 0; it < 30; ++it) {
      model.forward(b, true, StepContext{});
      model.fit(b);
    }
    QVERIFY2(model.lastEm().logLikAfter > 1.2, qPrintable(QString::number(model.lastEm().logLikAfter)));
    // The output is the mixture's mean: close to |x|.
    const auto out = compute::toHost(backend, model.forward(b, false, StepContext{}));
    double se = 0.0;
    for (int r = 0; r < 200; ++r) se += std::pow(out[std::size_t(r)] - std::abs(x[std::size_t(r)]), 2);
    QVERIFY(std::sqrt(se / 200) < 0.05);
    QCOMPARE(int(model.parameters().size()), 3);  // gates, experts, log variances
  }

  // The bar of issue 12: on a 1-D regression task EM reaches the final training log-likelihood
  // of gradient training (Adam, lr 0.02, batch 32, 200 epochs) in at least 10 times fewer
  // passes over the data. Prints the table docs/BENCHMARKS.md quotes.
  void emNeedsTenTimesFewerPassesThanGradient() {
    constexpr int kRows = 1000, kGradientEpochs = 200, kEmIterations = 20;
    const auto [x, y] = piecewise(kRows, 7);
    ModelConfig mc;
    mc.kind = ModelKind::Hme;
    mc.depth = 2;
    mc.branching = 2;
    mc.expertHidden = 0;
    compute::CpuBackend backend(1);
    std::mt19937_64 rngG(3), rngE(3);  // the same initial tree for both fits
    const Eigen::VectorXf ye = Eigen::Map<const Eigen::VectorXf>(y.data(), kRows);
    const double variance = (ye.array() - ye.mean()).square().mean();
    HmeModel gradient(backend, 1, 1, true, mc, kRows, rngG, variance);
    mc.fit = FitMethod::Em;
    HmeModel em(backend, 1, 1, true, mc, kRows, rngE, variance);
    OptimConfig oc;
    oc.lr = 0.02;
    Optimizer adam(backend, gradient.parameters(), oc);
    std::vector<double> gradCurve, emCurve;
    std::vector<std::int32_t> order(kRows);
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 shuffle(5);
    std::vector<float> xs(kRows), ys(kRows);
    for (int epoch = 0; epoch < kGradientEpochs; ++epoch) {
      std::shuffle(order.begin(), order.end(), shuffle);
      for (int i = 0; i < kRows; ++i) {
        xs[std::size_t(i)] = x[std::size_t(order[std::size_t(i)])];
        ys[std::size_t(i)] = y[std::size_t(order[std::size_t(i)])];
      }
      for (std::size_t b = 0; b < std::size_t(kRows); b += 32) {
        const Batch batch = rowsOf(backend, xs, ys, b, std::min<std::size_t>(kRows, b + 32));
        gradient.forward(batch, true, StepContext{});
        gradient.backward(compute::Tensor{});  // it follows its own objective
        adam.step();
      }
      gradient.forward(rowsOf(backend, x, y, 0, 1), false, StepContext{});  // pulls the weights
      gradCurve.push_back(logLikOf(gradient, x, y));
    }
    const Batch all = rowsOf(backend, x, y, 0, kRows);
    for (int it = 0; it < kEmIterations; ++it) {
      em.forward(all, true, StepContext{});
      em.fit(all);
      emCurve.push_back(em.lastEm().logLikAfter);
    }
    const double target = gradCurve.back();
    int emAt = 0, gradAt = 0, innerAt = 0;
    for (std::size_t i = 0; i < gradCurve.size() && !gradAt; ++i)
      if (gradCurve[i] >= target) gradAt = int(i) + 1;
    for (std::size_t i = 0; i < emCurve.size() && !emAt; ++i)
      if (emCurve[i] >= target) emAt = int(i) + 1;
    // Counting the M-step's inner Newton passes too: rerun EM from the start up to emAt.
    std::mt19937_64 rngE2(3);
    HmeModel em2(backend, 1, 1, true, mc, kRows, rngE2, variance);
    for (int it = 0; it < emAt; ++it) {
      em2.forward(all, true, StepContext{});
      em2.fit(all);
      innerAt += em2.lastEm().dataPasses;
    }
    qInfo("| fit | passes run | final train log-likelihood | passes to reach %.4f |", target);
    qInfo("| gradient (Adam lr 0.02, batch 32) | %d | %.4f | %d |", kGradientEpochs, target, gradAt);
    qInfo("| EM | %d | %.4f | %d iterations (%d passes counting the M-step's Newton passes) |",
          kEmIterations, emCurve.back(), emAt, innerAt);
    qInfo("EM curve: %.4f %.4f %.4f %.4f %.4f %.4f; gradient after 1/10/50/100 epochs: %.4f %.4f %.4f %.4f",
          emCurve[0], emCurve[1], emCurve[2], emCurve[3], emCurve[4], emCurve[5], gradCurve[0],
          gradCurve[9], gradCurve[49], gradCurve[99]);
    // The gradient run's final value after its 200 passes, reached by EM in at most 20; and EM
    // ends higher. (Gradient first touches its final plateau after gradAt passes: that ratio is
    // smaller, docs/BENCHMARKS.md gives both.)
    QVERIFY2(emAt > 0, "EM never reached the gradient run's log-likelihood");
    QVERIFY2(10 * emAt <= kGradientEpochs,
             qPrintable(QString("gradient %1 passes, EM %2 iterations").arg(kGradientEpochs).arg(emAt)));
    QVERIFY(emCurve.back() > target);
  }
};

QTEST_APPLESS_MAIN(TestHmeSession)
#include "test_hme_session.moc"
