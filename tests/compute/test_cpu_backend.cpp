// The CPU backend (the reference of test_backend_ops) against naive loops and hand-computed
// values, finite-difference checks of its backward ops, and the determinism guarantee.
#include <QtTest>

#include <cmath>
#include <random>

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

Tensor make(CpuBackend& b, int r, int c, const std::vector<float>& v) {
  Tensor t = b.alloc(r, c);
  b.write(t, std::span<const float>(v));
  return t;
}

Tensor makeInt(CpuBackend& b, int r, int c, const std::vector<std::int32_t>& v) {
  Tensor t = b.alloc(r, c, DType::I32);
  b.write(t, std::span<const std::int32_t>(v));
  return t;
}

float maxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  float m = 0.0f;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

}  // namespace

class TestCpuBackend : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void gemm_data() {
    QTest::addColumn<bool>("ta");
    QTest::addColumn<bool>("tb");
    QTest::addColumn<int>("m");
    QTest::addColumn<int>("k");
    QTest::addColumn<int>("n");
    QTest::addColumn<float>("beta");
    QTest::newRow("NN small") << false << false << 3 << 5 << 4 << 0.0f;
    QTest::newRow("NT") << false << true << 33 << 17 << 9 << 0.5f;
    QTest::newRow("TN weight grad") << true << false << 130 << 64 << 40 << 1.0f;
    QTest::newRow("TT") << true << true << 7 << 3 << 11 << 0.0f;
    QTest::newRow("NN expert shape") << false << false << 128 << 784 << 256 << 0.0f;
  }
  void gemm() {
    QFETCH(bool, ta);
    QFETCH(bool, tb);
    QFETCH(int, m);
    QFETCH(int, k);
    QFETCH(int, n);
    QFETCH(float, beta);
    CpuBackend be(2);
    const auto av = randomVec(std::size_t(m) * k, 1), bv = randomVec(std::size_t(k) * n, 2),
               cv = randomVec(std::size_t(m) * n, 3);
    Tensor a = ta ? make(be, k, m, av) : make(be, m, k, av);
    Tensor b = tb ? make(be, n, k, bv) : make(be, k, n, bv);
    Tensor c = make(be, m, n, cv);
    be.gemm(ta, tb, 0.7f, a, b, beta, c);
    std::vector<float> expect(std::size_t(m) * n);
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < n; ++j) {
        double s = 0;
        for (int q = 0; q < k; ++q)
          s += double(ta ? av[q * m + i] : av[i * k + q]) * (tb ? bv[j * k + q] : bv[q * n + j]);
        expect[std::size_t(i) * n + j] = float(0.7 * s + beta * cv[std::size_t(i) * n + j]);
      }
    QVERIFY(maxAbsDiff(toHost(be, c), expect) < 1e-3f);
  }

  void groupedGemmMatchesPerExpertGemm() {
    CpuBackend be(2);
    const std::vector<int> offsets{0, 5, 5, 17, 40};  // expert 1 empty
    const int in = 12, out = 7, rows = 40, experts = 4;
    const auto xv = randomVec(rows * in, 4), wv = randomVec(experts * in * out, 5),
               dyv = randomVec(rows * out, 6);
    Tensor x = make(be, rows, in, xv), w = make(be, experts * in, out, wv);
    Tensor y = be.alloc(rows, out), dy = make(be, rows, out, dyv);
    Tensor dx = be.alloc(rows, in), dw = be.alloc(experts * in, out);
    be.groupedGemm(x, w, y, offsets);
    be.groupedGemmBackwardInput(dy, w, dx, offsets);
    be.groupedGemmBackwardWeight(x, dy, dw, offsets, 0.0f);
    const auto yh = toHost(be, y), dxh = toHost(be, dx), dwh = toHost(be, dw);
    std::vector<float> dwRef(dwh.size(), 0.0f);
    for (int e = 0; e < experts; ++e)
      for (int r = offsets[e]; r < offsets[e + 1]; ++r) {
        for (int j = 0; j < out; ++j) {
          double s = 0;
          for (int q = 0; q < in; ++q) s += xv[r * in + q] * wv[(e * in + q) * out + j];
          QVERIFY(std::fabs(yh[r * out + j] - s) < 1e-4);
        }
        for (int q = 0; q < in; ++q) {
          double s = 0;
          for (int j = 0; j < out; ++j) s += dyv[r * out + j] * wv[(e * in + q) * out + j];
          QVERIFY(std::fabs(dxh[r * in + q] - s) < 1e-4);
          for (int j = 0; j < out; ++j) dwRef[(e * in + q) * out + j] += xv[r * in + q] * dyv[r * out + j];
        }
      }
    QVERIFY(maxAbsDiff(dwh, dwRef) < 1e-4f);
  }

  void fusedWeightGradientAdamMatchesComposed() {
    CpuBackend be(2);
    const std::vector<int> offsets{0, 9, 9, 70};  // expert 1 empty: still gets an Adam step
    const int in = 100, out = 6, rows = 70, experts = 3;
    const auto xv = randomVec(rows * in, 20), dyv = randomVec(rows * out, 21),
               wv = randomVec(experts * in * out, 22);
    Tensor x = make(be, rows, in, xv), dy = make(be, rows, out, dyv);
    AdamParams ap;
    ap.lr = 0.01f;
    ap.step = 3;
    ap.weightDecay = 0.1f;
    ap.decoupled = true;
    // Composed reference: gradient into a tensor, then Adam.
    Tensor w1 = make(be, experts * in, out, wv), m1 = be.alloc(experts * in, out),
           v1 = be.alloc(experts * in, out), g1 = be.alloc(experts * in, out);
    be.fill(m1, 0.01f);
    be.fill(v1, 0.02f);
    be.groupedGemmBackwardWeight(x, dy, g1, offsets, 0.0f);
    be.adamUpdate(w1, g1, m1, v1, ap);
    Tensor w2 = make(be, experts * in, out, wv), m2 = be.alloc(experts * in, out),
           v2 = be.alloc(experts * in, out), scratch = be.alloc(experts * in, out);
    be.fill(m2, 0.01f);
    be.fill(v2, 0.02f);
    QVERIFY(be.groupedGemmBackwardWeightAdam(x, dy, w2, m2, v2, offsets, ap, scratch));
    QVERIFY(maxAbsDiff(toHost(be, w1), toHost(be, w2)) < 1e-6f);
    QVERIFY(maxAbsDiff(toHost(be, m1), toHost(be, m2)) < 1e-6f);
    QVERIFY(maxAbsDiff(toHost(be, v1), toHost(be, v2)) < 1e-6f);
    // A non-finite gradient is reported and leaves its block's weights as they were.
    auto bad = dyv;
    bad[0] = std::nanf("");
    Tensor dyBad = make(be, rows, out, bad), w3 = make(be, experts * in, out, wv);
    QVERIFY(!be.groupedGemmBackwardWeightAdam(x, dyBad, w3, m2, v2, offsets, ap, scratch));
    const auto w3h = toHost(be, w3);
    for (int i = 0; i < in * out; ++i) QCOMPARE(w3h[i], wv[i]);  // expert 0 untouched
  }

  void activationGradients_data() {
    QTest::addColumn<int>("act");
    for (auto a : {Activation::Identity, Activation::Relu, Activation::Gelu, Activation::Tanh,
                   Activation::Sigmoid, Activation::Silu, Activation::Softplus})
      QTest::newRow(activationName(a)) << int(a);
  }
  void activationGradients() {
    QFETCH(int, act);
    const auto a = Activation(act);
    CpuBackend be(1);
    auto xv = randomVec(64, 7, 2.0f);
    for (auto& v : xv)
      if (std::fabs(v) < 0.05f) v = 0.3f;  // keep ReLU's kink away from the probes
    Tensor x = make(be, 8, 8, xv), y = be.alloc(8, 8), dy = be.alloc(8, 8), dx = be.alloc(8, 8);
    be.fill(dy, 1.0f);
    be.activation(a, x, y);
    be.activationBackward(a, x, y, dy, dx);
    const auto dxh = toHost(be, dx);
    // In place (dx aliasing dy, as the expert bank calls it): the same numbers.
    Tensor g = be.alloc(8, 8);
    be.fill(g, 1.0f);
    be.activationBackward(a, x, y, g, g);
    QCOMPARE(toHost(be, g), dxh);
    const float h = 1e-3f;
    for (std::size_t i = 0; i < xv.size(); ++i) {
      auto xp = xv, xm = xv;
      xp[i] += h;
      xm[i] -= h;
      Tensor tp = make(be, 8, 8, xp), tm = make(be, 8, 8, xm);
      be.activation(a, tp, tp);
      be.activation(a, tm, tm);
      const float fd = (toHost(be, tp)[i] - toHost(be, tm)[i]) / (2 * h);
      QVERIFY2(std::fabs(fd - dxh[i]) < 2e-3f * std::max(1.0f, std::fabs(fd)),
               qPrintable(QString("%1: fd %2 vs %3").arg(i).arg(fd).arg(dxh[i])));
    }
  }

  void crossEntropyGradient() {
    CpuBackend be(1);
    const int r = 5, c = 6;
    const auto zv = randomVec(r * c, 8);
    const std::vector<std::int32_t> labels{0, 5, 2, 2, 3};
    Tensor z = make(be, r, c, zv), d = be.alloc(r, c), lab = makeInt(be, r, 1, labels);
    be.crossEntropy(z, lab, 1.0f, d);
    const auto dh = toHost(be, d);
    const double h = 1e-3;
    for (int i = 0; i < r * c; ++i) {
      auto zp = zv, zm = zv;
      zp[i] += float(h);
      zm[i] -= float(h);
      Tensor tp = make(be, r, c, zp), tm = make(be, r, c, zm), scratch = be.alloc(r, c);
      const double fd = (be.crossEntropy(tp, lab, 1.0f, scratch) -
                         be.crossEntropy(tm, lab, 1.0f, scratch)) / (2 * h);
      QVERIFY(std::fabs(fd - dh[i]) < 2e-3);
    }
  }

  void combineAndBackward() {
    CpuBackend be(2);
    // 3 rows; row 0 -> slots {2, 0}, row 1 dropped, row 2 -> slot {1}.
    const auto srcv = randomVec(3 * 4, 10), dov = randomVec(3 * 4, 11);
    Tensor src = make(be, 3, 4, srcv), dOut = make(be, 3, 4, dov), out = be.alloc(3, 4);
    Tensor rowPtr = makeInt(be, 4, 1, {0, 2, 2, 3}), slot = makeInt(be, 3, 1, {2, 0, 1});
    Tensor w = make(be, 3, 1, {0.75f, 0.25f, 1.0f});
    be.combineRows(src, rowPtr, slot, w, 0.0f, out);
    const auto o = toHost(be, out);
    for (int j = 0; j < 4; ++j) {
      QCOMPARE(o[j], 0.75f * srcv[8 + j] + 0.25f * srcv[j]);
      QCOMPARE(o[4 + j], 0.0f);
      QCOMPARE(o[8 + j], srcv[4 + j]);
    }
    Tensor dSrc = be.alloc(3, 4), dW = be.alloc(3, 1);
    be.combineRowsBackward(dOut, src, rowPtr, slot, w, dSrc, dW);
    const auto ds = toHost(be, dSrc), dw = toHost(be, dW);
    double dot0 = 0;
    for (int j = 0; j < 4; ++j) {
      QCOMPARE(ds[8 + j], 0.75f * dov[j]);
      QCOMPARE(ds[4 + j], dov[8 + j]);
      dot0 += dov[j] * srcv[8 + j];
    }
    QVERIFY(std::fabs(dw[0] - dot0) < 1e-5);
  }

  void adamMatchesReference() {
    CpuBackend be(1);
    Tensor p = make(be, 1, 2, {1.0f, -2.0f}), g = make(be, 1, 2, {0.5f, 0.1f});
    Tensor m = be.alloc(1, 2), v = be.alloc(1, 2);
    AdamParams ap;
    ap.lr = 0.1f;
    be.adamUpdate(p, g, m, v, ap);
    // First Adam step moves each weight by lr * sign(g) (bias-corrected m/sqrt(v) = +-1).
    const auto ph = toHost(be, p);
    QVERIFY(std::fabs(ph[0] - 0.9f) < 1e-5f);
    QVERIFY(std::fabs(ph[1] + 2.1f) < 1e-5f);
  }

  void deterministicAcrossThreadCounts() {
    const auto av = randomVec(300 * 200, 12), bv = randomVec(200 * 150, 13);
    std::vector<float> first;
    for (int threads : {1, 2, 3}) {
      CpuBackend be(threads);
      Tensor a = make(be, 300, 200, av), b = make(be, 200, 150, bv), c = be.alloc(300, 150);
      be.gemm(false, false, 1.0f, a, b, 0.0f, c);
      be.gemm(true, false, 1.0f, a, c, 0.0f, b);  // a weight-gradient shaped product too
      const auto r = toHost(be, b);
      if (first.empty()) first = r;
      QCOMPARE(r, first);
    }
  }
};

QTEST_GUILESS_MAIN(TestCpuBackend)
#include "test_cpu_backend.moc"
