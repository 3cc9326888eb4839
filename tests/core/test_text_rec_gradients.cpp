// Finite-difference gradient checks: Embedding bags, segment mean pool, the text and rating
// models; and the lazy (row-sparse) optimizer update.
#include <algorithm>
#include <cmath>
#include <functional>
#include <random>

#include "compute/backend_factory.h"
#include "core/model/embedding.h"
#include "core/model/rating_model.h"
#include "core/model/text_model.h"
#include "core/optim/optimizer.h"

// Qt after the engine headers (tests build with QT_NO_KEYWORDS).
#include <QElapsedTimer>
#include <QtTest>

using namespace moe;
using namespace moe::core;
using compute::Tensor;

namespace {

std::unique_ptr<compute::Backend> cpu() { return compute::createBackend("cpu", 1).backend; }

std::vector<float> randomVec(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

double dot(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) s += double(a[i]) * b[i];
  return s;
}

// Checks d(sum(out * R))/d(param) against central differences for every entry of the
// parameter, given loss() (forward, then dot with R) and an analytic gradient per entry.
// |fd - analytic| must stay within atol + rtol * max(|fd|, |analytic|): relative for large
// derivatives, and a small absolute floor (float32 forward passes) so that a missing gradient
// (analytic 0 where the difference is not) fails even when it is small.
void checkEntries(compute::Backend& be, Parameter& p, const std::function<double()>& loss,
                  const std::function<float(int row, int col)>& analytic, double eps = 1e-2,
                  double rtol = 2e-2, double atol = 1e-3) {
  std::vector<float> v = compute::toHost(be, p.value);
  const int cols = p.value.cols();
  for (std::size_t i = 0; i < v.size(); ++i) {
    const float keep = v[i];
    v[i] = keep + float(eps);
    be.write(p.value, std::span<const float>(v));
    const double up = loss();
    v[i] = keep - float(eps);
    be.write(p.value, std::span<const float>(v));
    const double down = loss();
    v[i] = keep;
    be.write(p.value, std::span<const float>(v));
    const double fd = (up - down) / (2 * eps);
    const double an = analytic(int(i) / cols, int(i) % cols);
    if (std::abs(fd - an) > atol + rtol * std::max(std::abs(fd), std::abs(an)))
      QFAIL(qPrintable(QString("%1[%2]: finite difference %3, analytic %4")
                           .arg(QString::fromStdString(p.name)).arg(i).arg(fd).arg(an)));
  }
}

// The analytic gradient of a parameter: dense, or row-sparse (rows absent are zero).
std::function<float(int, int)> gradOf(compute::Backend& be, const Parameter& p) {
  const auto g = compute::toHost(be, p.grad);
  const int cols = p.value.cols();
  std::vector<int> where(std::size_t(p.value.rows()), -1);
  if (p.sparse) {
    const auto rows = compute::toHostInt(be, p.rows);
    for (std::size_t k = 0; k < rows.size(); ++k) where[std::size_t(rows[k])] = int(k);
  } else {
    for (int r = 0; r < p.value.rows(); ++r) where[std::size_t(r)] = r;
  }
  return [g, cols, where](int r, int c) {
    const int k = where[std::size_t(r)];
    return k < 0 ? 0.0f : g[std::size_t(k) * cols + c];
  };
}

ModelConfig smallMoe(int width) {
  ModelConfig m;
  m.router = "dense";  // smooth: finite differences cannot flip a top-k choice
  m.experts = 3;
  m.topK = 3;
  m.expertHidden = 5;
  m.activation = compute::Activation::Tanh;
  m.stemWidth = width;
  return m;
}

StepContext noAux() {
  StepContext ctx;
  ctx.loss = LossConfig{0.0, 0.0, 0.0, 0.0};
  return ctx;
}

}  // namespace

class TestTextRecGradients : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void embeddingBags() {
    auto be = cpu();
    std::mt19937_64 rng(1);
    Embedding emb(*be, "emb", 6, 4, 0.5f, rng);
    // Three bags: repeated ids, weights, and an empty bag.
    const std::vector<std::int32_t> ptr{0, 3, 3, 6}, ids{2, 5, 2, 0, 5, 5};
    const std::vector<float> w{1.0f, 0.5f, -2.0f, 1.0f, 0.25f, 1.0f};
    Tensor out = be->alloc(3, 4);
    const auto R = randomVec(12, 2);
    const auto loss = [&] {
      emb.forward(ptr, ids, w, out);
      return dot(compute::toHost(*be, out), R);
    };
    loss();
    Tensor dOut = be->alloc(3, 4);
    be->write(dOut, std::span<const float>(R));
    emb.backward(dOut);
    QCOMPARE(compute::toHostInt(*be, emb.table().rows), (std::vector<std::int32_t>{0, 2, 5}));
    checkEntries(*be, emb.table(), loss, gradOf(*be, emb.table()));
    QVERIFY_THROWS_EXCEPTION(std::out_of_range,
                             emb.forward(std::vector<std::int32_t>{0, 1},
                                         std::vector<std::int32_t>{6}, std::vector<float>{1.0f}, out));
  }

  void segmentMeanPool() {
    auto be = cpu();
    SegmentMeanPool pool(*be);
    const std::vector<std::int32_t> seg{0, 2, 2, 5};  // an empty segment in the middle
    Parameter x;
    x.name = "x";
    x.value = be->alloc(5, 3);
    x.grad = be->alloc(5, 3);
    const auto xv = randomVec(15, 3);
    be->write(x.value, std::span<const float>(xv));
    Tensor out = be->alloc(3, 3);
    const auto R = randomVec(9, 4);
    const auto loss = [&] {
      pool.forward(x.value, seg, out);
      return dot(compute::toHost(*be, out), R);
    };
    loss();
    const auto o = compute::toHost(*be, out);
    QVERIFY(std::abs(o[0] - (xv[0] + xv[3]) / 2) < 1e-6f);
    QCOMPARE(o[3], 0.0f);  // the empty segment
    Tensor dOut = be->alloc(3, 3);
    be->write(dOut, std::span<const float>(R));
    pool.backward(dOut, x.grad);
    checkEntries(*be, x, loss, gradOf(*be, x));
  }

  void textModel() {
    auto be = cpu();
    std::mt19937_64 rng(5);
    TextMoeClassifier model(*be, 11, 3, smallMoe(4), rng);
    const std::vector<std::int32_t> ptr{0, 4, 5, 9}, ids{1, 7, 7, 3, 10, 0, 3, 5, 5};
    const auto R = randomVec(9, 6);
    const StepContext ctx = noAux();
    const auto loss = [&] {
      return dot(compute::toHost(*be, model.forwardTokens(ptr, ids, true, ctx)), R);
    };
    loss();
    Tensor d = be->alloc(3, 3);
    be->write(d, std::span<const float>(R));
    model.backward(d);
    for (Parameter* p : model.parameters()) checkEntries(*be, *p, loss, gradOf(*be, *p));
  }

  void ratingModel() {
    auto be = cpu();
    Dataset train;
    train.kind = DataKind::Ratings;
    train.users = {0, 1, 2, 1};
    train.items = {0, 1, 2, 2};
    train.targets = {4.0f, 3.0f, 5.0f, 2.0f};
    train.userCount = 4;  // user 3 has no training rating
    train.itemCount = 4;  // item 3 neither
    train.genreNames = {"A", "B"};
    train.itemGenres = {1u, 3u, 0u, 2u};
    train.userRatings = {1, 2, 1, 0};
    train.itemRatings = {1, 1, 2, 0};
    std::mt19937_64 rng(7);
    RatingMoeRegressor model(*be, train, smallMoe(3), rng);
    const std::vector<std::int32_t> users{0, 1, 3, 2, 1}, items{0, 2, 1, 3, 1};
    const auto R = randomVec(5, 8);
    const StepContext ctx = noAux();
    const auto loss = [&] {
      return dot(compute::toHost(*be, model.forwardPairs(users, items, true, ctx)), R);
    };
    loss();
    Tensor d = be->alloc(5, 1);
    be->write(d, std::span<const float>(R));
    model.backward(d);
    for (Parameter* p : model.parameters()) checkEntries(*be, *p, loss, gradOf(*be, *p));
  }

  void lazyAdamTouchesOnlyGivenRows() {
    auto be = cpu();
    std::mt19937_64 rng(9);
    Embedding emb(*be, "emb", 5, 2, 0.5f, rng);
    const auto before = compute::toHost(*be, emb.table().value);
    OptimConfig oc;
    oc.lr = 0.1;
    Optimizer opt(*be, {&emb.table()}, oc);
    Tensor out = be->alloc(2, 2), dOut = be->alloc(2, 2);
    emb.forward(std::vector<std::int32_t>{0, 1, 2}, std::vector<std::int32_t>{3, 1},
                std::vector<float>{1.0f, 1.0f}, out);
    be->fill(dOut, 1.0f);
    emb.backward(dOut);
    opt.step();
    const auto after = compute::toHost(*be, emb.table().value);
    for (int r = 0; r < 5; ++r)
      for (int c = 0; c < 2; ++c) {
        const float b = before[std::size_t(r) * 2 + c], a = after[std::size_t(r) * 2 + c];
        if (r == 1 || r == 3)
          QVERIFY(std::abs(a - (b - 0.1f)) < 1e-4f);  // Adam's first step: lr * sign(grad)
        else
          QCOMPARE(a, b);
      }
  }
};

QTEST_GUILESS_MAIN(TestTextRecGradients)
#include "test_text_rec_gradients.moc"

