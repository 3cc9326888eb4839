// Shape validation on every backend: shapeTable() gives, per op of the Backend interface, a
// call with a wrong shape that the CPU reference and every backend under test (the ones of
// test_backend_ops.cpp) must refuse with a ShapeError naming the op; everyOpIsChecked()
// requires such a call for every Op. Also: tensors of another backend are refused, and a
// missing OpenCL device falls back to the CPU.
#include <QtTest>

#include <algorithm>

#include "backend_ops_env.h"
#include "backend_subjects.h"

using namespace moe::compute;
using namespace moe::compute::test;

namespace {

std::vector<ShapeCase> shapeTable() {
  using B = Backend;
  const std::vector<int> seg3{0, 1, 3};  // 2 experts over 3 rows
  std::vector<ShapeCase> t{
      {Op::Alloc, "negative rows", [](B& b) { b.alloc(-1, 3); }},
      {Op::Write, "5 values into 2x3",
       [](B& b) {
         Tensor x = b.alloc(2, 3);
         const std::vector<float> v(5);
         b.write(x, std::span<const float>(v));
       }},
      {Op::Write, "int32 values into a float tensor",
       [](B& b) {
         Tensor x = b.alloc(2, 1);
         const std::vector<std::int32_t> v(2);
         b.write(x, std::span<const std::int32_t>(v));
       }},
      {Op::Read, "2x3 into 5 values",
       [](B& b) {
         std::vector<float> v(5);
         b.read(b.alloc(2, 3), std::span<float>(v));
       }},
      {Op::Fill, "an int32 tensor",
       [](B& b) {
         Tensor x = b.alloc(2, 2, DType::I32);
         b.fill(x, 1.0f);
       }},
      {Op::Copy, "6 values into 8",
       [](B& b) {
         Tensor y = b.alloc(4, 2);
         b.copy(b.alloc(2, 3), y);
       }},
      {Op::Copy, "float32 into int32",
       [](B& b) {
         Tensor y = b.alloc(2, 3, DType::I32);
         b.copy(b.alloc(2, 3), y);
       }},
      {Op::Axpby, "x 2x3, y 3x2",
       [](B& b) {
         Tensor y = b.alloc(3, 2);
         b.axpby(1.0f, b.alloc(2, 3), 1.0f, y);
       }},
      {Op::Mul, "z 2x4",
       [](B& b) {
         Tensor z = b.alloc(2, 4);
         b.mul(b.alloc(2, 3), b.alloc(2, 3), z);
       }},
      {Op::Activation, "y 3x3",
       [](B& b) {
         Tensor y = b.alloc(3, 3);
         b.activation(Activation::Relu, b.alloc(2, 3), y);
       }},
      {Op::ActivationBackward, "dx 3x2",
       [](B& b) {
         Tensor x = b.alloc(2, 3), dx = b.alloc(3, 2);
         b.activationBackward(Activation::Tanh, x, x, x, dx);
       }},
      {Op::AddRowVector, "b 1x4 for x 2x3",
       [](B& b) {
         Tensor x = b.alloc(2, 3);
         b.addRowVector(x, b.alloc(1, 4));
       }},
      {Op::SumRows, "out 2x3",
       [](B& b) {
         Tensor out = b.alloc(2, 3);
         b.sumRows(b.alloc(2, 3), out, 0.0f);
       }},
      {Op::SumSquares, "an int32 tensor", [](B& b) { b.sumSquares(b.alloc(2, 3, DType::I32)); }},
      {Op::Gemm, "inner dimensions 4 and 5",
       [](B& b) {
         Tensor c = b.alloc(3, 6);
         b.gemm(false, false, 1.0f, b.alloc(3, 4), b.alloc(5, 6), 0.0f, c);
       }},
      {Op::Gemm, "C 3x5 for 3x6",
       [](B& b) {
         Tensor c = b.alloc(3, 5);
         b.gemm(false, true, 1.0f, b.alloc(3, 4), b.alloc(6, 4), 0.0f, c);
       }},
      {Op::GroupedGemm, "segments cover 2 of 3 rows",
       [](B& b) {
         Tensor y = b.alloc(3, 6);
         b.groupedGemm(b.alloc(3, 4), b.alloc(4, 6), y, std::vector<int>{0, 2});
       }},
      {Op::GroupedGemm, "stacked w 8x6 for 2 experts of 3 inputs",
       [seg3](B& b) {
         Tensor y = b.alloc(3, 6);
         b.groupedGemm(b.alloc(3, 3), b.alloc(8, 6), y, seg3);
       }},
      {Op::GroupedGemmBackwardInput, "w 6x6 for 2 experts of 4 inputs",
       [seg3](B& b) {
         Tensor dx = b.alloc(3, 4);
         b.groupedGemmBackwardInput(b.alloc(3, 6), b.alloc(6, 6), dx, seg3);
       }},
      {Op::GroupedGemmBackwardWeight, "dw 8x5 for 8x6",
       [seg3](B& b) {
         Tensor dw = b.alloc(8, 5);
         b.groupedGemmBackwardWeight(b.alloc(3, 4), b.alloc(3, 6), dw, seg3, 0.0f);
       }},
      {Op::GroupedGemmBackwardWeightAdam, "v 8x5 for w 8x6",
       [seg3](B& b) {
         Tensor w = b.alloc(8, 6), m = b.alloc(8, 6), v = b.alloc(8, 5), s = b.alloc(8, 6);
         b.groupedGemmBackwardWeightAdam(b.alloc(3, 4), b.alloc(3, 6), w, m, v, seg3, {}, s);
       }},
      {Op::GroupedAddBias, "b 3x6 for 2 experts",
       [seg3](B& b) {
         Tensor y = b.alloc(3, 6);
         b.groupedAddBias(y, b.alloc(3, 6), seg3);
       }},
      {Op::GroupedBiasGrad, "decreasing offsets",
       [](B& b) {
         Tensor db = b.alloc(2, 6);
         b.groupedBiasGrad(b.alloc(3, 6), db, std::vector<int>{0, 2, 1, 3}, 0.0f);
       }},
      {Op::GatherRows, "out 3x4 for 2 indices",
       [](B& b) {
         Tensor out = b.alloc(3, 4);
         b.gatherRows(b.alloc(5, 4), b.alloc(2, 1, DType::I32), out);
       }},
      {Op::GatherRows, "a float32 index",
       [](B& b) {
         Tensor out = b.alloc(2, 4);
         b.gatherRows(b.alloc(5, 4), b.alloc(2, 1), out);
       }},
      {Op::ScatterRows, "src 3x4 for 2 indices",
       [](B& b) {
         Tensor out = b.alloc(5, 4);
         b.scatterRows(b.alloc(3, 4), b.alloc(2, 1, DType::I32), out);
       }},
      {Op::CombineRows, "rowPtr with 3 entries for 3 rows",
       [](B& b) {
         Tensor out = b.alloc(3, 4);
         b.combineRows(b.alloc(2, 4), b.alloc(3, 1, DType::I32), b.alloc(2, 1, DType::I32),
                       b.alloc(2, 1), 0.0f, out);
       }},
      {Op::CombineRows, "3 weights for 2 slots",
       [](B& b) {
         Tensor out = b.alloc(3, 4);
         b.combineRows(b.alloc(2, 4), b.alloc(4, 1, DType::I32), b.alloc(2, 1, DType::I32),
                       b.alloc(3, 1), 0.0f, out);
       }},
      {Op::CombineRowsBackward, "dWeight with 3 values for 2 slots",
       [](B& b) {
         Tensor dSrc = b.alloc(2, 4), dWeight = b.alloc(3, 1);
         b.combineRowsBackward(b.alloc(3, 4), b.alloc(2, 4), b.alloc(4, 1, DType::I32),
                               b.alloc(2, 1, DType::I32), b.alloc(2, 1), dSrc, dWeight);
       }},
      {Op::CrossEntropy, "2 labels for 3 rows",
       [](B& b) {
         Tensor d = b.alloc(3, 4);
         b.crossEntropy(b.alloc(3, 4), b.alloc(2, 1, DType::I32), 1.0f, d);
       }},
      {Op::CrossEntropy, "logits without columns",
       [](B& b) {
         Tensor d = b.alloc(3, 0);
         b.crossEntropy(b.alloc(3, 0), b.alloc(3, 1, DType::I32), 1.0f, d);
       }},
      {Op::AdamUpdate, "v 2x2 for param 2x3",
       [](B& b) {
         Tensor p = b.alloc(2, 3), m = b.alloc(2, 3), v = b.alloc(2, 2);
         b.adamUpdate(p, b.alloc(2, 3), m, v, {});
       }},
      {Op::SgdUpdate, "grad 3x2 for param 2x3",
       [](B& b) {
         Tensor p = b.alloc(2, 3), vel = b.alloc(2, 3);
         b.sgdUpdate(p, b.alloc(3, 2), vel, {});
       }},
      {Op::Axpby, "an empty tensor handle",
       [](B& b) {
         Tensor y = b.alloc(1, 1);
         b.axpby(1.0f, Tensor(), 1.0f, y);
       }},
  };
  return t;
}

}  // namespace

class TestBackendShapes : public QObject {
  Q_OBJECT

  CpuBackend mReference{2};
  std::vector<Subject> mSubjects;
  std::vector<ShapeCase> mShapes = shapeTable();

  Backend& backendOf(int subject) {
    return subject < 0 ? static_cast<Backend&>(mReference)
                       : *mSubjects[std::size_t(subject)].backend;
  }

 private Q_SLOTS:
  void initTestCase() { mSubjects = backendsUnderTest(); }

  void everyOpIsChecked() {
    for (int i = 0; i < int(Op::Count); ++i) {
      const Op op = Op(i);
      const auto checks = std::count_if(mShapes.begin(), mShapes.end(),
                                        [op](const ShapeCase& c) { return c.op == op; });
      QVERIFY2(checks > 0, qPrintable(QString("%1 has no shape-validation row").arg(opName(op))));
    }
  }

  void shapes_data() {
    QTest::addColumn<int>("subject");  // -1: the CPU reference
    QTest::addColumn<int>("row");
    for (int s = -1; s < int(mSubjects.size()); ++s) {
      const QByteArray who = s < 0 ? QByteArray("cpu") : mSubjects[std::size_t(s)].name.toUtf8();
      // test_backend_ops reports the skip of a backend that is not here
      if (s >= 0 && !mSubjects[std::size_t(s)].backend) continue;
      for (std::size_t r = 0; r < mShapes.size(); ++r)
        QTest::addRow("%s | %s: %s", who.constData(), opName(mShapes[r].op),
                      mShapes[r].name.c_str())
            << s << int(r);
    }
  }
  void shapes() {
    QFETCH(int, subject);
    QFETCH(int, row);
    const ShapeCase& c = mShapes[std::size_t(row)];
    const QString prefix = QString(opName(c.op)) + ": ";
    try {
      c.call(backendOf(subject));
      QFAIL("no ShapeError");
    } catch (const ShapeError& e) {
      QVERIFY2(QString(e.what()).startsWith(prefix), e.what());
    }
  }

  // A tensor of one backend passed to another is refused, not dereferenced.
  void foreignTensors_data() {
    QTest::addColumn<int>("subject");
    for (std::size_t s = 0; s < mSubjects.size(); ++s)
      if (mSubjects[s].backend)
        QTest::addRow("%s", mSubjects[s].name.toUtf8().constData()) << int(s);
  }
  void foreignTensors() {
    QFETCH(int, subject);
    Backend& be = backendOf(subject);
    Tensor mine = be.alloc(2, 3), theirs = mReference.alloc(2, 3);
    QVERIFY_THROWS_EXCEPTION(ShapeError, be.copy(theirs, mine));
    QVERIFY_THROWS_EXCEPTION(ShapeError, mReference.axpby(1.0f, mine, 1.0f, theirs));
    try {
      be.fill(theirs, 0.0f);
      QFAIL("no ShapeError");
    } catch (const ShapeError& e) {
      QVERIFY2(QString(e.what()).contains("another backend"), e.what());
    }
  }

  // Asking for a device that does not exist falls back to the CPU with a message that names it.
  void missingDeviceFallsBack() {
    if (listOpenClDevices().empty()) QSKIP("no OpenCL platform");
    BackendChoice choice = createBackend("opencl:9:0", 1);
    QVERIFY(choice.fellBack);
    QCOMPARE(QString::fromStdString(choice.backend->name()), QString("cpu"));
    QVERIFY2(QString::fromStdString(choice.message).contains("platform 9"), choice.message.c_str());
  }
};

QTEST_GUILESS_MAIN(TestBackendShapes)
#include "test_backend_shapes.moc"
