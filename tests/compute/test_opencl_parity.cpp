// Every Backend op on the OpenCL backend against the CPU reference, with a tolerance per op,
// over odd shapes (1, 7, 33, 130 rows), the expert shape (784 x 256) and empty segments.
// Skips when the machine has no usable OpenCL device.
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <numeric>
#include <random>

#include "compute/backend_factory.h"
#include "compute/cpu/cpu_backend.h"

using namespace moe::compute;

namespace {

std::vector<float> randomVec(std::size_t n, unsigned seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

/** The same data on both backends. */
struct Pair {
  Tensor cpu, cl;
};

/** Row segments for `experts` experts over `rows` rows; pattern picks the distribution. */
std::vector<int> makeSegments(int experts, int rows, const QString& pattern, unsigned seed) {
  std::vector<int> sizes(std::size_t(experts), 0);
  std::mt19937 rng(seed);
  if (pattern == "one expert") {
    sizes[std::size_t(experts / 2)] = rows;
  } else if (pattern == "empty ends") {  // first, last and every third expert empty
    std::vector<int> used;
    for (int e = 1; e + 1 < experts; ++e)
      if (e % 3 != 0) used.push_back(e);
    for (int r = 0; r < rows; ++r) ++sizes[std::size_t(used[std::size_t(r) % used.size()])];
  } else {  // random, some experts may be empty
    std::uniform_int_distribution<int> pick(0, experts - 1);
    for (int r = 0; r < rows; ++r) ++sizes[std::size_t(pick(rng))];
  }
  std::vector<int> offsets(1, 0);
  for (int s : sizes) offsets.push_back(offsets.back() + s);
  return offsets;
}

}  // namespace

class TestOpenClParity : public QObject {
  Q_OBJECT

 public:
  TestOpenClParity() : mCpu(2) {}

 private:
  CpuBackend mCpu;
  std::unique_ptr<Backend> mClOwner, mClTiledOwner;
  Backend* mCl = nullptr;

  Pair upload(int rows, int cols, const std::vector<float>& v) {
    Pair p{mCpu.alloc(rows, cols), mCl->alloc(rows, cols)};
    mCpu.write(p.cpu, std::span<const float>(v));
    mCl->write(p.cl, std::span<const float>(v));
    return p;
  }
  Pair uploadInt(int rows, int cols, const std::vector<std::int32_t>& v) {
    Pair p{mCpu.alloc(rows, cols, DType::I32), mCl->alloc(rows, cols, DType::I32)};
    mCpu.write(p.cpu, std::span<const std::int32_t>(v));
    mCl->write(p.cl, std::span<const std::int32_t>(v));
    return p;
  }
  Pair random(int rows, int cols, unsigned seed, float scale = 1.0f) {
    return upload(rows, cols, randomVec(std::size_t(rows) * cols, seed, scale));
  }

  /** |cl - cpu| <= atol + rtol * |cpu| everywhere; reports the worst element. */
  void expectClose(const Pair& p, float atol, float rtol, const char* what) {
    const auto a = toHost(mCpu, p.cpu), b = toHost(*mCl, p.cl);
    QCOMPARE(a.size(), b.size());
    std::size_t worst = 0;
    float worstExcess = -1.0f;
    for (std::size_t i = 0; i < a.size(); ++i) {
      const float excess = std::fabs(a[i] - b[i]) - (atol + rtol * std::fabs(a[i]));
      if (excess > worstExcess || std::isnan(b[i]) != std::isnan(a[i])) {
        worstExcess = std::isnan(b[i]) != std::isnan(a[i]) ? INFINITY : excess;
        worst = i;
      }
    }
    if (!a.empty() && worstExcess > 0.0f)
      QFAIL(qPrintable(QString("%1: element %2 cpu %3 opencl %4 (atol %5 rtol %6)")
                           .arg(what)
                           .arg(worst)
                           .arg(double(a[worst]), 0, 'g', 9)
                           .arg(double(b[worst]), 0, 'g', 9)
                           .arg(double(atol))
                           .arg(double(rtol))));
  }
  void expectEqualInt(const Pair& p, const char* what) {
    const auto a = toHostInt(mCpu, p.cpu), b = toHostInt(*mCl, p.cl);
    QVERIFY2(a == b, what);
  }

  static void shapeColumns() {
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    for (int rows : {1, 7, 33, 130})
      for (int cols : {1, 10, 257}) QTest::addRow("%dx%d", rows, cols) << rows << cols;
    QTest::addRow("128x784") << 128 << 784;
  }

 private Q_SLOTS:
  void initTestCase() {
    BackendChoice choice = createBackend("opencl", 2);
    if (choice.fellBack)
      QSKIP(qPrintable("no usable OpenCL device: " + QString::fromStdString(choice.message)));
    mClOwner = std::move(choice.backend);
    mCl = mClOwner.get();
    qInfo("OpenCL device: %s", mCl->deviceName().c_str());
    // A second instance forced onto the local-memory tiled GEMM (the GPU path), so both GEMM
    // kernel families are checked whatever the device.
    qputenv("MOE_OPENCL_GEMM", "tiled");
    mClTiledOwner = createBackend("opencl", 2).backend;
    qunsetenv("MOE_OPENCL_GEMM");
  }

  /** Switches mCl to the instance the row's "gemm" column names; returns the default. */
  Backend* selectGemm(const QString& kernels) {
    Backend* previous = mCl;
    if (kernels == "tiled") mCl = mClTiledOwner.get();
    return previous;
  }

  void memory() {
    Tensor z = mCl->alloc(7, 5);
    const auto zeros = toHost(*mCl, z);
    QVERIFY(std::all_of(zeros.begin(), zeros.end(), [](float v) { return v == 0.0f; }));
    const auto v = randomVec(35, 1);
    mCl->write(z, std::span<const float>(v));
    QCOMPARE(toHost(*mCl, z), v);
    const auto rows = randomVec(10, 2);
    mCl->writeRows(z, 3, std::span<const float>(rows));
    auto expect = v;
    std::copy(rows.begin(), rows.end(), expect.begin() + 15);
    QCOMPARE(toHost(*mCl, z), expect);
    Tensor i = mCl->alloc(4, 1, DType::I32);
    const std::vector<std::int32_t> iv{3, -1, 7, 0};
    mCl->write(i, std::span<const std::int32_t>(iv));
    QCOMPARE(toHostInt(*mCl, i), iv);
    Tensor empty = mCl->alloc(0, 9);
    QCOMPARE(toHost(*mCl, empty).size(), std::size_t(0));
    QVERIFY_THROWS_EXCEPTION(ShapeError, mCl->writeRows(z, 6, std::span<const float>(rows)));
    QVERIFY_THROWS_EXCEPTION(ShapeError, mCl->write(i, std::span<const float>(rows)));
  }

  void elementwise_data() { shapeColumns(); }
  void elementwise() {
    QFETCH(int, rows);
    QFETCH(int, cols);
    Pair x = random(rows, cols, 1), y = random(rows, cols, 2), z = random(rows, cols, 3);
    mCpu.axpby(0.5f, x.cpu, -1.25f, y.cpu);
    mCl->axpby(0.5f, x.cl, -1.25f, y.cl);
    expectClose(y, 1e-6f, 1e-6f, "axpby");
    mCpu.axpby(2.0f, x.cpu, 0.0f, z.cpu);
    mCl->axpby(2.0f, x.cl, 0.0f, z.cl);
    expectClose(z, 0.0f, 0.0f, "axpby b=0");
    mCpu.mul(x.cpu, y.cpu, y.cpu);  // z aliasing an input
    mCl->mul(x.cl, y.cl, y.cl);
    expectClose(y, 1e-6f, 1e-6f, "mul");
    mCpu.fill(z.cpu, 0.75f);
    mCl->fill(z.cl, 0.75f);
    expectClose(z, 0.0f, 0.0f, "fill");
    mCpu.copy(x.cpu, z.cpu);
    mCl->copy(x.cl, z.cl);
    expectClose(z, 0.0f, 0.0f, "copy");
    Pair b = random(1, cols, 4);
    mCpu.addRowVector(x.cpu, b.cpu);
    mCl->addRowVector(x.cl, b.cl);
    expectClose(x, 1e-6f, 1e-6f, "addRowVector");
    Pair s = random(1, cols, 5);
    mCpu.sumRows(x.cpu, s.cpu, 0.5f);
    mCl->sumRows(x.cl, s.cl, 0.5f);
    expectClose(s, 1e-5f * std::sqrt(float(rows)), 1e-5f, "sumRows beta=0.5");
    mCpu.sumRows(y.cpu, s.cpu, 0.0f);
    mCl->sumRows(y.cl, s.cl, 0.0f);
    expectClose(s, 1e-5f * std::sqrt(float(rows)), 1e-5f, "sumRows beta=0");
    const double ssCpu = mCpu.sumSquares(x.cpu), ssCl = mCl->sumSquares(x.cl);
    QVERIFY2(std::fabs(ssCpu - ssCl) <= 1e-5 * ssCpu + 1e-6,
             qPrintable(QString("sumSquares cpu %1 opencl %2").arg(ssCpu).arg(ssCl)));
    mCpu.randomNormal(z.cpu, 42, 1000);
    mCl->randomNormal(z.cl, 42, 1000);
    expectClose(z, 2e-6f, 2e-6f, "randomNormal");
  }

  void activations_data() {
    QTest::addColumn<int>("act");
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    for (int a = 0; a <= int(Activation::Softplus); ++a)
      for (auto [r, c] : {std::pair{1, 1}, {7, 10}, {33, 257}, {130, 256}})
        QTest::addRow("%s %dx%d", activationName(Activation(a)), r, c) << a << r << c;
  }
  void activations() {
    QFETCH(int, act);
    QFETCH(int, rows);
    QFETCH(int, cols);
    const Activation a = Activation(act);
    Pair x = random(rows, cols, 11, 3.0f), y = random(rows, cols, 12);
    Pair dy = random(rows, cols, 13), dx = random(rows, cols, 14);
    mCpu.activation(a, x.cpu, y.cpu);
    mCl->activation(a, x.cl, y.cl);
    expectClose(y, 2e-6f, 2e-6f, "activation");
    mCpu.activationBackward(a, x.cpu, y.cpu, dy.cpu, dx.cpu);
    mCl->activationBackward(a, x.cl, y.cl, dy.cl, dx.cl);
    // GELU's derivative cancels (1 - tanh^2) for large |x|, which scales one ulp of tanh by
    // about |x|^3: a looser absolute tolerance there.
    const float bwdAtol = a == Activation::Gelu ? 1e-4f : 1e-5f;
    expectClose(dx, bwdAtol, 1e-5f, "activationBackward");
    mCpu.activationBackward(a, x.cpu, y.cpu, dy.cpu, dy.cpu);  // dx aliasing dy
    mCl->activationBackward(a, x.cl, y.cl, dy.cl, dy.cl);
    expectClose(dy, bwdAtol, 1e-5f, "activationBackward in place");
    mCpu.activation(a, x.cpu, x.cpu);  // y aliasing x
    mCl->activation(a, x.cl, x.cl);
    expectClose(x, 2e-6f, 2e-6f, "activation in place");
  }

  void gemm_data() {
    QTest::addColumn<bool>("ta");
    QTest::addColumn<bool>("tb");
    QTest::addColumn<int>("m");
    QTest::addColumn<int>("k");
    QTest::addColumn<int>("n");
    QTest::addColumn<float>("beta");
    QTest::addColumn<QString>("kernels");
    for (const char* kernels : {"default", "tiled"}) {
      for (bool ta : {false, true})
        for (bool tb : {false, true}) {
          const char* t = ta ? (tb ? "TT" : "TN") : (tb ? "NT" : "NN");
          QTest::addRow("%s %s 1x1x1", kernels, t) << ta << tb << 1 << 1 << 1 << 0.0f << kernels;
          QTest::addRow("%s %s 7x33x130", kernels, t)
              << ta << tb << 7 << 33 << 130 << 0.5f << kernels;
          QTest::addRow("%s %s 130x7x33", kernels, t)
              << ta << tb << 130 << 7 << 33 << 0.0f << kernels;
          QTest::addRow("%s %s 33x130x7", kernels, t)
              << ta << tb << 33 << 130 << 7 << 1.0f << kernels;
          QTest::addRow("%s %s 128x784x256", kernels, t)
              << ta << tb << 128 << 784 << 256 << 0.0f << kernels;
        }
      QTest::addRow("%s TN 784x128x256 (weight grad)", kernels)
          << true << false << 784 << 128 << 256 << 1.0f << kernels;
      QTest::addRow("%s NN k=0", kernels) << false << false << 5 << 0 << 6 << 0.5f << kernels;
    }
  }
  void gemm() {
    QFETCH(QString, kernels);
    Backend* const restore = selectGemm(kernels);
    auto guard = qScopeGuard([&] { mCl = restore; });
    QFETCH(bool, ta);
    QFETCH(bool, tb);
    QFETCH(int, m);
    QFETCH(int, k);
    QFETCH(int, n);
    QFETCH(float, beta);
    Pair a = ta ? random(k, m, 21) : random(m, k, 21);
    Pair b = tb ? random(n, k, 22) : random(k, n, 22);
    Pair c = random(m, n, 23);
    mCpu.gemm(ta, tb, 0.7f, a.cpu, b.cpu, beta, c.cpu);
    mCl->gemm(ta, tb, 0.7f, a.cl, b.cl, beta, c.cl);
    expectClose(c, 2e-5f * std::sqrt(float(k) + 1.0f), 1e-5f, "gemm");
  }

  void grouped_data() {
    QTest::addColumn<int>("experts");
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("in");
    QTest::addColumn<int>("out");
    QTest::addColumn<QString>("pattern");
    QTest::addColumn<QString>("kernels");
    for (const char* k : {"default", "tiled"}) {
      QTest::addRow("%s 8 experts 784x256 random", k) << 8 << 256 << 784 << 256 << "random" << k;
      QTest::addRow("%s 8 experts 784x256 empty ends", k)
          << 8 << 130 << 784 << 256 << "empty ends" << k;
      QTest::addRow("%s 8 experts 256x10 random", k) << 8 << 256 << 256 << 10 << "random" << k;
      QTest::addRow("%s 4 experts 7x33 one expert", k) << 4 << 33 << 7 << 33 << "one expert" << k;
      QTest::addRow("%s 1 expert 33x7", k) << 1 << 7 << 33 << 7 << "random" << k;
      QTest::addRow("%s 2 experts 1 row", k) << 2 << 1 << 5 << 3 << "random" << k;
      QTest::addRow("%s 17 experts 130 rows (two launches)", k)
          << 17 << 130 << 33 << 20 << "empty ends" << k;
      QTest::addRow("%s 8 experts no rows", k) << 8 << 0 << 16 << 8 << "random" << k;
    }
  }
  void grouped() {
    QFETCH(QString, kernels);
    Backend* const restore = selectGemm(kernels);
    auto guard = qScopeGuard([&] { mCl = restore; });
    QFETCH(int, experts);
    QFETCH(int, rows);
    QFETCH(int, in);
    QFETCH(int, out);
    QFETCH(QString, pattern);
    const auto offsets = makeSegments(experts, rows, pattern, 31);
    const Segments seg(offsets);
    const float tol = 2e-5f * std::sqrt(float(std::max(in, out)) + 1.0f);
    Pair x = random(rows, in, 32), w = random(experts * in, out, 33, 0.1f);
    Pair y = random(rows, out, 34);
    mCpu.groupedGemm(x.cpu, w.cpu, y.cpu, seg);
    mCl->groupedGemm(x.cl, w.cl, y.cl, seg);
    expectClose(y, tol, 1e-5f, "groupedGemm");
    Pair b = random(experts, out, 35);
    mCpu.groupedAddBias(y.cpu, b.cpu, seg);
    mCl->groupedAddBias(y.cl, b.cl, seg);
    expectClose(y, tol, 1e-5f, "groupedAddBias");
    Pair dy = random(rows, out, 36), dx = random(rows, in, 37);
    mCpu.groupedGemmBackwardInput(dy.cpu, w.cpu, dx.cpu, seg);
    mCl->groupedGemmBackwardInput(dy.cl, w.cl, dx.cl, seg);
    expectClose(dx, tol, 1e-5f, "groupedGemmBackwardInput");
    for (float beta : {0.0f, 1.0f}) {
      Pair dw = random(experts * in, out, 38);
      mCpu.groupedGemmBackwardWeight(x.cpu, dy.cpu, dw.cpu, seg, beta);
      mCl->groupedGemmBackwardWeight(x.cl, dy.cl, dw.cl, seg, beta);
      expectClose(dw, 2e-5f * std::sqrt(float(rows) + 1.0f), 1e-5f, "groupedGemmBackwardWeight");
      Pair db = random(experts, out, 39);
      mCpu.groupedBiasGrad(dy.cpu, db.cpu, seg, beta);
      mCl->groupedBiasGrad(dy.cl, db.cl, seg, beta);
      expectClose(db, 2e-5f * std::sqrt(float(rows) + 1.0f), 1e-5f, "groupedBiasGrad");
    }
  }

  void routing_data() {
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::addColumn<int>("k");
    for (int rows : {1, 7, 33, 130})
      for (int cols : {1, 10, 256}) QTest::addRow("%dx%d top-2", rows, cols) << rows << cols << 2;
    QTest::newRow("128x784 top-1") << 128 << 784 << 1;
    QTest::newRow("33x10 top-3 with gaps") << 33 << 10 << 3;
  }
  void routing() {
    QFETCH(int, rows);
    QFETCH(int, cols);
    QFETCH(int, k);
    // A dispatch like a top-k router's: row r sends up to k slots (some rows none), the slots
    // are a permutation of a subset of the packed rows (some never referenced).
    std::mt19937 rng(41);
    const int srcRows = rows * k + 3;
    std::vector<std::int32_t> perm(static_cast<std::size_t>(srcRows));
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), rng);
    std::vector<std::int32_t> rowPtr(1, 0), slot;
    std::vector<float> weight;
    for (int r = 0; r < rows; ++r) {
      const int count = (r % 5 == 4) ? 0 : 1 + int(rng() % unsigned(k));
      for (int j = 0; j < count; ++j) {
        slot.push_back(perm[slot.size()]);
        weight.push_back(float(rng() % 1000) / 1000.0f);
      }
      rowPtr.push_back(int(slot.size()));
    }
    const int nnz = int(slot.size());
    Pair rp = uploadInt(rows + 1, 1, rowPtr), sl = uploadInt(nnz, 1, slot);
    Pair wt = upload(nnz, 1, weight);
    Pair src = random(srcRows, cols, 42), out = random(rows, cols, 43);

    Pair gathered = random(nnz, cols, 44);
    mCpu.gatherRows(src.cpu, sl.cpu, gathered.cpu);
    mCl->gatherRows(src.cl, sl.cl, gathered.cl);
    expectClose(gathered, 0.0f, 0.0f, "gatherRows");
    for (float beta : {0.0f, 0.5f}) {
      mCpu.combineRows(src.cpu, rp.cpu, sl.cpu, wt.cpu, beta, out.cpu);
      mCl->combineRows(src.cl, rp.cl, sl.cl, wt.cl, beta, out.cl);
      expectClose(out, 1e-6f, 1e-6f, "combineRows");
    }
    Pair dOut = random(rows, cols, 45), dSrc = random(srcRows, cols, 46);
    Pair dWeight = random(nnz, 1, 47);
    mCpu.combineRowsBackward(dOut.cpu, src.cpu, rp.cpu, sl.cpu, wt.cpu, dSrc.cpu, dWeight.cpu);
    mCl->combineRowsBackward(dOut.cl, src.cl, rp.cl, sl.cl, wt.cl, dSrc.cl, dWeight.cl);
    expectClose(dSrc, 0.0f, 0.0f, "combineRowsBackward dSrc");
    expectClose(dWeight, 1e-5f * std::sqrt(float(cols)), 1e-5f, "combineRowsBackward dWeight");

    // softmax, its backward (in place), top-k with ties, cross-entropy.
    Pair logits = random(rows, cols, 48, 4.0f), probs = random(rows, cols, 49);
    mCpu.softmaxRows(logits.cpu, probs.cpu);
    mCl->softmaxRows(logits.cl, probs.cl);
    expectClose(probs, 1e-7f, 2e-6f, "softmaxRows");
    Pair dy = random(rows, cols, 50);
    mCpu.softmaxRowsBackward(probs.cpu, dy.cpu, dy.cpu);
    mCl->softmaxRowsBackward(probs.cl, dy.cl, dy.cl);
    expectClose(dy, 1e-6f, 1e-5f, "softmaxRowsBackward");

    if (k <= cols) {
      auto tied = randomVec(std::size_t(rows) * cols, 51);
      for (auto& v : tied) v = std::round(v * 2.0f);  // few distinct values: many ties
      Pair t = upload(rows, cols, tied);
      Pair values = random(rows, k, 52), indices = uploadInt(rows, k, std::vector<int>(rows * k));
      mCpu.topk(t.cpu, k, values.cpu, indices.cpu);
      mCl->topk(t.cl, k, values.cl, indices.cl);
      expectClose(values, 0.0f, 0.0f, "topk values");
      expectEqualInt(indices, "topk indices");
    }

    std::vector<std::int32_t> labelVec(static_cast<std::size_t>(rows));
    for (auto& l : labelVec) l = int(rng() % unsigned(cols));
    Pair labels = uploadInt(rows, 1, labelVec), dLogits = random(rows, cols, 53);
    const double lossCpu = mCpu.crossEntropy(logits.cpu, labels.cpu, 1.0f / rows, dLogits.cpu);
    const double lossCl = mCl->crossEntropy(logits.cl, labels.cl, 1.0f / rows, dLogits.cl);
    QVERIFY2(std::fabs(lossCpu - lossCl) <= 1e-5 * std::fabs(lossCpu) + 1e-5,
             qPrintable(QString("crossEntropy cpu %1 opencl %2").arg(lossCpu).arg(lossCl)));
    expectClose(dLogits, 1e-7f, 1e-5f, "crossEntropy dLogits");
    labelVec[0] = cols;  // out of range: both backends refuse
    mCl->write(labels.cl, std::span<const std::int32_t>(labelVec));
    QVERIFY_THROWS_EXCEPTION(ShapeError, mCl->crossEntropy(logits.cl, labels.cl, 1.0f, dLogits.cl));
  }

  void optimizers_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<float>("weightDecay");
    QTest::addColumn<bool>("flag");  // Adam: decoupled; SGD: nesterov
    QTest::newRow("adam") << "adam" << 0.0f << false;
    QTest::newRow("adam l2") << "adam" << 0.01f << false;
    QTest::newRow("adamw") << "adam" << 0.01f << true;
    QTest::newRow("sgd momentum") << "sgd" << 0.0f << false;
    QTest::newRow("sgd nesterov decay") << "sgd" << 0.001f << true;
  }
  void optimizers() {
    QFETCH(QString, kind);
    QFETCH(float, weightDecay);
    QFETCH(bool, flag);
    for (auto [rows, cols] : {std::pair{1, 1}, {33, 10}, {784, 256}}) {
      Pair p = random(rows, cols, 61), m = upload(rows, cols, std::vector<float>(rows * cols));
      Pair v = upload(rows, cols, std::vector<float>(rows * cols));
      for (int step = 1; step <= 3; ++step) {
        Pair g = random(rows, cols, 62 + step);
        if (kind == "adam") {
          AdamParams ap;
          ap.weightDecay = weightDecay;
          ap.decoupled = flag;
          ap.step = step;
          mCpu.adamUpdate(p.cpu, g.cpu, m.cpu, v.cpu, ap);
          mCl->adamUpdate(p.cl, g.cl, m.cl, v.cl, ap);
        } else {
          SgdParams sp;
          sp.weightDecay = weightDecay;
          sp.nesterov = flag;
          mCpu.sgdUpdate(p.cpu, g.cpu, m.cpu, sp);
          mCl->sgdUpdate(p.cl, g.cl, m.cl, sp);
        }
      }
      expectClose(p, 1e-6f, 1e-6f, "parameters");
      expectClose(m, 1e-6f, 1e-6f, "first moment / velocity");
      if (kind == "adam") expectClose(v, 1e-7f, 1e-5f, "second moment");
    }
  }

  void missingDeviceFallsBack() {
    BackendChoice choice = createBackend("opencl:9:0", 1);
    QVERIFY(choice.fellBack);
    QCOMPARE(QString::fromStdString(choice.backend->name()), QString("cpu"));
    QVERIFY2(QString::fromStdString(choice.message).contains("platform 9"),
             choice.message.c_str());
    QVERIFY(!listOpenClDevices().empty());
  }

  void determinism() {
    Pair a = random(128, 784, 71), b = random(784, 256, 72);
    Tensor c1 = mCl->alloc(128, 256), c2 = mCl->alloc(128, 256);
    mCl->gemm(false, false, 1.0f, a.cl, b.cl, 0.0f, c1);
    mCl->gemm(false, false, 1.0f, a.cl, b.cl, 0.0f, c2);
    QCOMPARE(toHost(*mCl, c1), toHost(*mCl, c2));
    QCOMPARE(mCl->sumSquares(a.cl), mCl->sumSquares(a.cl));
  }

  void shapeErrors() {
    Tensor a = mCl->alloc(3, 4), b = mCl->alloc(5, 6), c = mCl->alloc(3, 6);
    QVERIFY_THROWS_EXCEPTION(ShapeError, mCl->gemm(false, false, 1.0f, a, b, 0.0f, c));
    QVERIFY_THROWS_EXCEPTION(ShapeError, mCl->axpby(1.0f, a, 1.0f, b));
    const std::vector<int> bad{0, 2};  // covers 2 of a's 3 rows
    Tensor w = mCl->alloc(4, 6);
    QVERIFY_THROWS_EXCEPTION(ShapeError, mCl->groupedGemm(a, w, c, Segments(bad)));
    Tensor cpuTensor = mCpu.alloc(3, 4);
    QVERIFY_THROWS_EXCEPTION(ShapeError, mCl->copy(cpuTensor, a));
  }

  // Not a check: prints the reference expert GEMM's time on both backends for the record.
  void timing() {
    Pair a = random(128, 784, 81), b = random(784, 256, 82), c = random(128, 256, 83);
    auto time = [&](Backend& be, const Tensor& ta, const Tensor& tb, Tensor& tc) {
      be.gemm(false, false, 1.0f, ta, tb, 0.0f, tc);  // warm-up (kernel JIT, caches)
      be.synchronize();
      QElapsedTimer t;
      t.start();
      const int reps = 20;
      for (int i = 0; i < reps; ++i) be.gemm(false, false, 1.0f, ta, tb, 0.0f, tc);
      be.synchronize();
      return double(t.nsecsElapsed()) / 1e6 / reps;
    };
    const double cpuMs = time(mCpu, a.cpu, b.cpu, c.cpu);
    const double clMs = time(*mCl, a.cl, b.cl, c.cl);
    const double gflop = 2.0 * 128 * 784 * 256 / 1e9;
    qInfo("gemm 128x784 * 784x256: cpu %.3f ms (%.1f GFLOP/s), opencl %.3f ms (%.1f GFLOP/s)",
          cpuMs, gflop / cpuMs * 1e3, clMs, gflop / clMs * 1e3);

    // The reference model's first expert layer, forward and backward, for one batch of 128
    // routed top-2 (256 rows over 8 experts of 784 -> 256).
    const auto offsets = makeSegments(8, 256, "random", 84);
    const Segments seg(offsets);
    Pair x = random(256, 784, 85), w = random(8 * 784, 256, 86, 0.05f), bias = random(8, 256, 87);
    Pair h = random(256, 256, 88), dh = random(256, 256, 89), dx = random(256, 784, 90);
    Pair dw = random(8 * 784, 256, 91), db = random(8, 256, 92);
    auto layer = [&](Backend& be, auto pick) {
      auto step = [&] {
        be.groupedGemm(pick(x), pick(w), pick(h), seg);
        be.groupedAddBias(pick(h), pick(bias), seg);
        be.activation(Activation::Relu, pick(h), pick(h));
        be.groupedBiasGrad(pick(dh), pick(db), seg, 0.0f);
        be.groupedGemmBackwardWeight(pick(x), pick(dh), pick(dw), seg, 0.0f);
        be.groupedGemmBackwardInput(pick(dh), pick(w), pick(dx), seg);
      };
      step();
      be.synchronize();
      QElapsedTimer t;
      t.start();
      for (int i = 0; i < 10; ++i) step();
      be.synchronize();
      return double(t.nsecsElapsed()) / 1e6 / 10;
    };
    const double cpuLayer = layer(mCpu, [](Pair& p) -> Tensor& { return p.cpu; });
    const double clLayer = layer(*mCl, [](Pair& p) -> Tensor& { return p.cl; });
    qInfo("expert layer 8 x 784x256, 256 routed rows, fwd + bwd: cpu %.3f ms, opencl %.3f ms",
          cpuLayer, clLayer);
  }
};

QTEST_GUILESS_MAIN(TestOpenClParity)
#include "test_opencl_parity.moc"
