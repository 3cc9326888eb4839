// GEMM (all transposes) and the grouped per-expert GEMM family on the OpenCL backend
// against the CPU reference: odd shapes, the 784 x 256 expert shape, empty segments, more
// experts than one launch holds; both the vector (CPU-device) and tiled (GPU) kernels.
// Skips without a usable OpenCL device.
#include <QtTest>

#include <numeric>

#include "opencl_parity_fixture.h"

using namespace moe::compute;
using namespace moe::compute::test;

class TestOpenClParityGemm : public QObject, public OpenClParityFixture {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() {
    const QString why = openBackends();
    if (!why.isEmpty()) QSKIP(qPrintable("no usable OpenCL device: " + why));
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

  void determinism() {
    Pair a = random(128, 784, 71), b = random(784, 256, 72);
    Tensor c1 = mCl->alloc(128, 256), c2 = mCl->alloc(128, 256);
    mCl->gemm(false, false, 1.0f, a.cl, b.cl, 0.0f, c1);
    mCl->gemm(false, false, 1.0f, a.cl, b.cl, 0.0f, c2);
    QCOMPARE(toHost(*mCl, c1), toHost(*mCl, c2));
    QCOMPARE(mCl->sumSquares(a.cl), mCl->sumSquares(a.cl));
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

QTEST_GUILESS_MAIN(TestOpenClParityGemm)
#include "test_opencl_parity_gemm.moc"
