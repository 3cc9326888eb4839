// Every element-wise, activation, routing, loss and optimizer op on the OpenCL backend
// against the CPU reference, with a tolerance per op, over odd shapes (1, 7, 33, 130 rows).
// GEMM and the grouped (per-expert) ops: test_opencl_parity_gemm.cpp. Skips without a usable
// OpenCL device.
#include <QtTest>

#include <numeric>

#include "opencl_parity_fixture.h"

using namespace moe::compute;
using namespace moe::compute::test;

class TestOpenClParity : public QObject, public OpenClParityFixture {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() {
    const QString why = openBackends();
    if (!why.isEmpty()) QSKIP(qPrintable("no usable OpenCL device: " + why));
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
    // Scatter rows into distinct rows of a table (the rest must stay as they were).
    {
      const int m = std::min(nnz, srcRows);
      std::vector<std::int32_t> distinct(perm.begin(), perm.begin() + m);
      Pair di = uploadInt(m, 1, distinct), part = random(m, cols, 53);
      Pair table = random(srcRows, cols, 54);
      mCpu.scatterRows(part.cpu, di.cpu, table.cpu);
      mCl->scatterRows(part.cl, di.cl, table.cl);
      expectClose(table, 0.0f, 0.0f, "scatterRows");
    }
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
    QVERIFY2(QString::fromStdString(choice.message).contains("platform 9"), choice.message.c_str());
    QVERIFY(!listOpenClDevices().empty());
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
};

QTEST_GUILESS_MAIN(TestOpenClParity)
#include "test_opencl_parity.moc"
