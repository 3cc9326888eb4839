// Hierarchical mixture of experts (core/model/hme_tree.h, hme_em.h): finite-difference
// gradients of both mixture losses for every kind of expert, EM's monotone log-likelihood over
// seeds and shapes, the IRLS solver, and what EM refuses.
#include <QtTest>

#include <cmath>
#include <random>

#include "core/model/hme_em.h"
#include "core/model/hme_tree.h"
#include "core/train/config.h"
#include "tests/core/random_vectors.h"

using namespace moe::core;

namespace {

struct Data {
  HmeMatrix x;
  HmeTargets t;
};

// A piecewise task the mixture is made for: y = |x0| - 0.5 x1 (regression), or the sign of a
// bent boundary in the plane (classes), with noise.
Data makeData(int rows, int inputs, int classes, bool regression, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::normal_distribution<double> noise(0.0, 0.1);
  Data d;
  d.x.resize(rows, inputs);
  for (Eigen::Index i = 0; i < d.x.size(); ++i) d.x.data()[i] = u(rng);
  if (regression) d.t.values.resize(rows);
  for (int r = 0; r < rows; ++r) {
    const double x0 = d.x(r, 0), x1 = inputs > 1 ? d.x(r, 1) : 0.0;
    if (regression) {
      d.t.values(r) = std::abs(x0) - 0.5 * x1 + noise(rng);
    } else {
      const double v = x1 - std::abs(x0) + 0.3 * noise(rng);
      const int c = int(std::floor((v + 1.0) / 2.0 * classes));
      d.t.labels.push_back(std::clamp(c, 0, classes - 1));
    }
  }
  return d;
}

HmeShape shapeOf(int depth, int branching, int inputs, int classes, int hidden, bool regression) {
  HmeShape s;
  s.depth = depth;
  s.branching = branching;
  s.inputs = inputs;
  s.outputs = regression ? 1 : classes;
  s.hidden = hidden;
  s.regression = regression;
  return s;
}

}  // namespace

class TestHme : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void shapeCountsNodes() {
    const HmeShape s = shapeOf(3, 2, 2, 2, 0, false);
    QCOMPARE(s.internal(), 7);
    QCOMPARE(s.leaves(), 8);
    QCOMPARE(s.level(0), 0);
    QCOMPARE(s.level(2), 1);
    QCOMPARE(s.level(14), 3);
    QCOMPARE(shapeOf(2, 3, 2, 2, 0, false).nodes(), 13);
  }

  void priorsSumToOnePerLevel() {
    std::mt19937_64 rng(3);
    const HmeShape s = shapeOf(3, 3, 2, 3, 0, false);
    HmeTree tree(s, rng);
    const Data d = makeData(20, 2, 3, false, rng);
    HmePass p;
    tree.forward(d.x, p);
    // The nodes of each level split every row's prior among them.
    for (int level = 0; level <= s.depth; ++level) {
      Eigen::VectorXd sum = Eigen::VectorXd::Zero(20);
      for (int node = 0; node < s.nodes(); ++node)
        if (s.level(node) == level) sum += p.prior.col(node);
      QVERIFY((sum.array() - 1.0).abs().maxCoeff() < 1e-12);
    }
    const HmeMatrix post = tree.posterior(p, d.t);
    QVERIFY((post.rowwise().sum().array() - 1.0).abs().maxCoeff() < 1e-12);
  }

  void gradientMatchesFiniteDifferences_data() {
    QTest::addColumn<bool>("regression");
    QTest::addColumn<int>("hidden");
    QTest::addColumn<int>("loss");
    for (bool reg : {true, false})
      for (int hidden : {0, 3})
        for (int loss : {0, 1})
          QTest::addRow("%s %s %s", reg ? "regression" : "classes", hidden ? "mlp" : "linear",
                        loss ? "cooperate" : "compete")
              << reg << hidden << loss;
  }

  void gradientMatchesFiniteDifferences() {
    QFETCH(bool, regression);
    QFETCH(int, hidden);
    QFETCH(int, loss);
    const MixtureLoss kind = loss ? MixtureLoss::Cooperate : MixtureLoss::Compete;
    std::mt19937_64 rng(11 + std::uint64_t(hidden) + 2 * std::uint64_t(loss));
    const HmeShape s = shapeOf(2, 2, 3, 3, hidden, regression);
    HmeTree tree(s, rng);
    if (regression) tree.logVar = Eigen::VectorXd::LinSpaced(s.leaves(), -0.5, 0.5);
    const Data d = makeData(9, 3, 3, regression, rng);
    HmePass p;
    tree.forward(d.x, p);
    HmeGrads g;
    tree.loss(p, d.t, kind, &g);
    const std::vector<double> analytic = HmeTree::flatten(g);
    const std::vector<double> theta = tree.flatten();
    QCOMPARE(analytic.size(), theta.size());
    // Directional derivative along a random direction, central differences.
    std::vector<float> dirF = moe::testing::randomVec(theta.size(), rng);
    std::vector<double> plus(theta), minus(theta);
    const double eps = 1e-5;
    double expected = 0.0;
    for (std::size_t i = 0; i < theta.size(); ++i) {
      plus[i] += eps * dirF[i];
      minus[i] -= eps * dirF[i];
      expected += analytic[i] * dirF[i];
    }
    auto lossAt = [&](const std::vector<double>& v) {
      HmeTree t2 = tree;
      t2.unflatten(v);
      HmePass p2;
      t2.forward(d.x, p2);
      return t2.loss(p2, d.t, kind, nullptr);
    };
    const double numeric = (lossAt(plus) - lossAt(minus)) / (2 * eps);
    QVERIFY2(std::abs(numeric - expected) <= 1e-6 * (1.0 + std::abs(numeric)),
             qPrintable(QString("numeric %1 analytic %2").arg(numeric, 0, 'g', 12).arg(expected, 0, 'g', 12)));
    // And per coordinate for the first few of each block (a wrong index shows here).
    for (std::size_t i = 0; i < theta.size(); i += std::max<std::size_t>(1, theta.size() / 23)) {
      std::vector<double> a(theta), b(theta);
      a[i] += eps;
      b[i] -= eps;
      const double num = (lossAt(a) - lossAt(b)) / (2 * eps);
      QVERIFY2(std::abs(num - analytic[i]) <= 1e-6 * (1.0 + std::abs(num)),
               qPrintable(QString("coordinate %1: numeric %2 analytic %3").arg(i).arg(num).arg(analytic[i])));
    }
  }

  void competeLossIsTheNegativeLogLikelihood() {
    std::mt19937_64 rng(5);
    for (bool regression : {true, false}) {
      const HmeShape s = shapeOf(2, 3, 2, 4, 0, regression);
      HmeTree tree(s, rng);
      const Data d = makeData(30, 2, 4, regression, rng);
      HmePass p;
      tree.forward(d.x, p);
      const double nll = tree.loss(p, d.t, MixtureLoss::Compete, nullptr);
      QVERIFY(std::abs(nll + tree.logLik(p, d.t).mean()) < 1e-12);
      if (!regression) {
        // The classification output is log of the mixture's probabilities: they sum to 1.
        const HmeMatrix out = tree.output(p, MixtureLoss::Compete);
        QVERIFY((out.array().exp().rowwise().sum() - 1.0).abs().maxCoeff() < 1e-12);
      }
    }
  }

  void emNeverDecreasesTheLogLikelihood_data() {
    QTest::addColumn<int>("depth");
    QTest::addColumn<int>("branching");
    QTest::addColumn<bool>("regression");
    for (bool reg : {true, false}) {
      QTest::addRow("1x4 %s", reg ? "regression" : "classes") << 1 << 4 << reg;
      QTest::addRow("2x2 %s", reg ? "regression" : "classes") << 2 << 2 << reg;
      QTest::addRow("3x2 %s", reg ? "regression" : "classes") << 3 << 2 << reg;
      QTest::addRow("2x3 %s", reg ? "regression" : "classes") << 2 << 3 << reg;
    }
  }

  void emNeverDecreasesTheLogLikelihood() {
    QFETCH(int, depth);
    QFETCH(int, branching);
    QFETCH(bool, regression);
    for (std::uint64_t seed = 0; seed < 4; ++seed) {
      std::mt19937_64 rng(seed);
      const int inputs = 1 + int(seed % 2), classes = 2 + int(seed % 3);
      const HmeShape s = shapeOf(depth, branching, inputs, classes, 0, regression);
      HmeTree tree(s, rng);
      const Data d = makeData(300, inputs, classes, regression, rng);
      double last = -std::numeric_limits<double>::infinity();
      double first = 0.0;
      for (int it = 0; it < 12; ++it) {
        const HmeEmResult r = hmeEmStep(tree, d.x, d.t);
        if (it == 0) first = r.logLikBefore;
        QVERIFY(std::isfinite(r.logLikAfter));
        QVERIFY2(r.logLikAfter >= r.logLikBefore - 1e-12 * (1.0 + std::abs(r.logLikBefore)),
                 qPrintable(QString("seed %1 iteration %2: %3 -> %4")
                                .arg(seed).arg(it).arg(r.logLikBefore, 0, 'g', 15)
                                .arg(r.logLikAfter, 0, 'g', 15)));
        QVERIFY(r.logLikBefore >= last - 1e-12 * (1.0 + std::abs(last)));
        last = r.logLikAfter;
      }
      QVERIFY2(last > first + 0.05, qPrintable(QString("EM barely moved: %1 -> %2").arg(first).arg(last)));
    }
  }

  void emFitsAPiecewiseLine() {
    // |x| is two lines: two linear experts under one gate fit it to the noise (sd 0.1).
    std::mt19937_64 rng(2);
    const HmeShape s = shapeOf(1, 2, 1, 1, 0, true);
    HmeTree tree(s, rng);
    const Data d = makeData(400, 1, 1, true, rng);
    HmeEmResult r;
    for (int it = 0; it < 40; ++it) r = hmeEmStep(tree, d.x, d.t);
    // A Gaussian of sd 0.1 has mean log-likelihood -0.5 log(2 pi 0.01) - 0.5 = 0.88.
    QVERIFY2(r.logLikAfter > 0.7, qPrintable(QString::number(r.logLikAfter)));
  }

  void newtonNeverWorsensTheObjective() {
    std::mt19937_64 rng(9);
    const Data d = makeData(50, 2, 3, false, rng);
    HmeMatrix x1(50, 3);
    x1 << d.x, HmeMatrix::Ones(50, 1);
    HmeMatrix t = HmeMatrix::Zero(50, 3);
    for (int r = 0; r < 50; ++r) t(r, d.t.labels[std::size_t(r)]) = 0.5 + 0.01 * r;
    HmeMatrix w = HmeMatrix::Random(3, 3);
    HmeMatrix w0 = w;
    const double f1 = fitSoftmaxNewton(x1, t, w, 0);
    const double f2 = fitSoftmaxNewton(x1, t, w, 20);
    QVERIFY(f2 >= f1);
    QVERIFY(f2 > f1 + 1e-3);
    // At the optimum the gradient vanishes: one more run does not move it.
    const double f3 = fitSoftmaxNewton(x1, t, w, 5);
    QVERIFY(std::abs(f3 - f2) < 1e-6 * (1.0 + std::abs(f2)));
    (void)w0;
  }

  void emRefusesWhatItCannotFit() {
    QVERIFY(!hmeEmRefusal(shapeOf(2, 2, 2, 2, 8, false)).empty());
    QVERIFY(hmeEmRefusal(shapeOf(2, 2, 784, 10, 0, false)).find("784") != std::string::npos);
    QVERIFY(hmeEmRefusal(shapeOf(2, 2, 2, 2, 0, false)).empty());
    std::mt19937_64 rng(1);
    HmeTree tree(shapeOf(1, 2, 2, 2, 4, false), rng);
    const Data d = makeData(10, 2, 2, false, rng);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, hmeEmStep(tree, d.x, d.t));
  }

  void mixtureLossNames() {
    QCOMPARE(parseMixtureLoss("compete"), MixtureLoss::Compete);
    QCOMPARE(parseMixtureLoss("cooperate"), MixtureLoss::Cooperate);
    QCOMPARE(std::string(mixtureLossName(MixtureLoss::Cooperate)), std::string("cooperate"));
    try {
      parseMixtureLoss("fight");
      QFAIL("accepted 'fight'");
    } catch (const ConfigError& e) {
      QVERIFY(std::string(e.what()).find("compete, cooperate") != std::string::npos);
    }
    QCOMPARE(parseFitMethod("em"), FitMethod::Em);
    try {
      parseFitMethod("newton");
      QFAIL("accepted newton");
    } catch (const ConfigError& e) {
      QVERIFY(std::string(e.what()).find("gradient, em") != std::string::npos);
    }
  }
};

QTEST_APPLESS_MAIN(TestHme)
#include "test_hme.moc"
