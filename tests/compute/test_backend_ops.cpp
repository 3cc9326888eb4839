// Every op of the Backend interface on every backend (ggml's test-backend-ops pattern).
//
// opTable() lists each op with the shapes and edge cases it must handle (empty segments, zero
// rows, beta != 0, aliasing where the contract allows it). Each row runs on the CPU reference
// and on every backend under test: the CPU backend with another thread count (which must agree
// bit for bit), the OpenCL backend and an OpenCL instance forced onto the tiled (GPU) GEMM
// kernels, when a device is usable (PoCL here). Results are compared with the row's per-output
// tolerance, and each row runs twice on the backend under test, which must repeat itself bit
// for bit. everyOpIsCovered() requires rows for every Op; the calls with wrong shapes are
// test_backend_shapes.cpp's.
#include <QtTest>

#include <memory>

#include "backend_ops_env.h"
#include "backend_subjects.h"

using namespace moe::compute;
using namespace moe::compute::test;

namespace {

using Run = std::function<void(Env&)>;

void add(std::vector<OpCase>& t, Op op, const std::string& name, Run run) {
  t.push_back({op, name, std::move(run)});
}

// ---- memory -------------------------------------------------------------------------------

void memoryRows(std::vector<OpCase>& t) {
  for (auto [r, c] : {std::pair{0, 9}, {1, 1}, {7, 5}, {130, 257}})
    add(t, Op::Alloc, "zeros " + dims(r, c), [r, c](Env& e) {
      e.out("f32", e.be.alloc(r, c));
      e.out("i32", e.be.alloc(r, c, DType::I32));
    });
  add(t, Op::Write, "float32 7x5", [](Env& e) { e.out("x", e.randn(7, 5, 1)); });
  add(t, Op::Write, "int32 4x1, negative values", [](Env& e) {
    e.out("i", e.ints(4, 1, {3, -1, 7, 0}));
  });
  add(t, Op::Write, "overwrites", [](Env& e) {
    Tensor x = e.randn(3, 4, 1);
    const std::vector<float> v(12, -0.5f);
    e.be.write(x, std::span<const float>(v));
    e.out("x", x);
  });
  add(t, Op::Write, "empty 0x9", [](Env& e) { e.out("x", e.floats(0, 9, {})); });
  add(t, Op::Read, "float32 and int32 into host spans", [](Env& e) {
    Tensor x = e.randn(6, 3, 2);
    Tensor i = e.ints(2, 2, {5, -7, 0, 2147483647});
    std::vector<float> hx(18);
    std::vector<std::int32_t> hi(4);
    e.be.read(x, std::span<float>(hx));
    e.be.read(i, std::span<std::int32_t>(hi));
    for (float v : hx) e.out("x", double(v));
    for (std::int32_t v : hi) e.out("i", double(v));
    std::vector<float> none;
    e.be.read(e.be.alloc(0, 4), std::span<float>(none));  // empty: nothing to read
  });
}

// ---- element-wise -------------------------------------------------------------------------

void elementwiseRows(std::vector<OpCase>& t) {
  const Tol close{1e-6f, 1e-6f};
  for (auto [r, c] : elementShapes()) {
    const std::string s = dims(r, c);
    add(t, Op::Fill, s, [r, c](Env& e) {
      Tensor x = e.randn(r, c, 1);
      e.be.fill(x, 0.75f);
      e.out("x", x);
    });
    add(t, Op::Copy, s, [r, c](Env& e) {
      Tensor x = e.randn(r, c, 2), y = e.randn(r, c, 3);
      e.be.copy(x, y);
      e.out("y", y);
    });
    add(t, Op::Axpby, s + " a=0.5 b=-1.25", [=](Env& e) {
      Tensor x = e.randn(r, c, 1), y = e.randn(r, c, 2);
      e.be.axpby(0.5f, x, -1.25f, y);
      e.out("y", y, close);
    });
    add(t, Op::Axpby, s + " b=0", [r, c](Env& e) {
      Tensor x = e.randn(r, c, 1), y = e.randn(r, c, 2);
      e.be.axpby(2.0f, x, 0.0f, y);
      e.out("y", y);
    });
    add(t, Op::Axpby, s + " x aliasing y (gradient clipping)", [=](Env& e) {
      Tensor y = e.randn(r, c, 2);
      e.be.axpby(0.0f, y, 0.3f, y);
      e.out("y", y, close);
    });
    add(t, Op::Mul, s, [=](Env& e) {
      Tensor x = e.randn(r, c, 1), y = e.randn(r, c, 2), z = e.randn(r, c, 3);
      e.be.mul(x, y, z);
      e.out("z", z, close);
      e.be.mul(x, y, y);  // z aliasing an input
      e.out("y", y, close);
    });
    add(t, Op::AddRowVector, s, [=](Env& e) {
      Tensor x = e.randn(r, c, 1), b = e.randn(1, c, 4);
      e.be.addRowVector(x, b);
      e.out("x", x, close);
    });
    for (float beta : {0.0f, 0.5f})
      add(t, Op::SumRows, s + " beta=" + num(beta), [=](Env& e) {
        Tensor x = e.randn(r, c, 1), out = e.randn(1, c, 5);
        e.be.sumRows(x, out, beta);
        e.out("out", out, {1e-5f * std::sqrt(float(r) + 1.0f), 1e-5f});
      });
    add(t, Op::SumSquares, s, [r, c](Env& e) {
      e.out("sum", e.be.sumSquares(e.randn(r, c, 1)), {1e-6f, 1e-5f});
    });
  }
  add(t, Op::Copy, "same count, other shape: 6x4 into 24x1", [](Env& e) {
    Tensor x = e.randn(6, 4, 2), y = e.randn(24, 1, 3);
    e.be.copy(x, y);
    e.out("y", y);
  });
  add(t, Op::Copy, "int32", [](Env& e) {
    Tensor x = e.ints(3, 1, {4, -2, 9}), y = e.ints(3, 1, {0, 0, 0});
    e.be.copy(x, y);
    e.out("y", y);
  });
  add(t, Op::Copy, "onto itself", [](Env& e) {
    Tensor x = e.randn(5, 5, 2);
    e.be.copy(x, x);
    e.out("x", x);
  });

  for (int a = 0; a <= int(Activation::Softplus); ++a) {
    const Activation act = Activation(a);
    // GELU's derivative cancels (1 - tanh^2) for large |x|, which scales one ulp of tanh by
    // about |x|^3: a looser absolute tolerance there.
    const Tol fwd{2e-6f, 2e-6f}, bwd{act == Activation::Gelu ? 1e-4f : 1e-5f, 1e-5f};
    for (auto [r, c] : {std::pair{1, 1}, {7, 10}, {33, 257}, {130, 256}, {0, 3}}) {
      const std::string s = std::string(activationName(act)) + " " + dims(r, c);
      add(t, Op::Activation, s, [=](Env& e) {
        Tensor x = e.randn(r, c, 11, 3.0f), y = e.randn(r, c, 12);
        e.be.activation(act, x, y);
        e.out("y", y, fwd);
        e.be.activation(act, x, x);  // y aliasing x
        e.out("in place", x, fwd);
      });
      add(t, Op::ActivationBackward, s, [=](Env& e) {
        Tensor x = e.randn(r, c, 11, 3.0f), y = e.be.alloc(r, c);
        Tensor dy = e.randn(r, c, 13), dx = e.randn(r, c, 14);
        e.be.activation(act, x, y);
        e.be.activationBackward(act, x, y, dy, dx);
        e.out("dx", dx, bwd);
        e.be.activationBackward(act, x, y, dy, dy);  // dx aliasing dy
        e.out("in place", dy, bwd);
      });
    }
  }
}

// ---- matrix products ----------------------------------------------------------------------

void gemmRow(std::vector<OpCase>& t, bool ta, bool tb, int m, int k, int n, float beta,
             const std::string& note = {}) {
  const std::string name = std::string(ta ? "T" : "N") + (tb ? "T" : "N") + " " +
                           std::to_string(m) + "x" + std::to_string(k) + "x" + std::to_string(n) +
                           " beta=" + num(beta) + note;
  add(t, Op::Gemm, name, [=](Env& e) {
    Tensor a = ta ? e.randn(k, m, 21) : e.randn(m, k, 21);
    Tensor b = tb ? e.randn(n, k, 22) : e.randn(k, n, 22);
    Tensor c = e.randn(m, n, 23);
    e.be.gemm(ta, tb, 0.7f, a, b, beta, c);
    e.out("c", c, {2e-5f * std::sqrt(float(k) + 1.0f), 1e-5f});
  });
}

void gemmRows(std::vector<OpCase>& t) {
  struct Shape {
    int m, k, n;
    float beta;
  };
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      for (Shape s : {Shape{1, 1, 1, 0.0f},
                      {7, 33, 130, 0.5f},
                      {130, 7, 33, 0.0f},
                      {33, 130, 7, 1.0f},
                      {128, 784, 256, 0.0f}})
        gemmRow(t, ta, tb, s.m, s.k, s.n, s.beta);
  gemmRow(t, true, false, 784, 128, 256, 1.0f, " (a weight gradient)");
  gemmRow(t, false, false, 5, 0, 6, 0.5f, " (k = 0: C = beta C)");
  gemmRow(t, false, false, 0, 5, 6, 0.0f, " (no rows)");
  gemmRow(t, false, true, 4, 5, 0, 0.0f, " (no columns)");
}

void groupedRows(std::vector<OpCase>& t) {
  for (const GroupedShape& g : groupedShapes()) {
    const Tol tol{g.tol(), 1e-5f}, tolK{g.tolK(), 1e-5f};
    add(t, Op::GroupedGemm, g.name(), [g, tol](Env& e) {
      const auto offsets = makeSegments(g.experts, g.rows, g.pattern, 31);
      Tensor x = e.randn(g.rows, g.in, 32), w = e.randn(g.experts * g.in, g.out, 33, 0.1f);
      Tensor y = e.randn(g.rows, g.out, 34);
      e.be.groupedGemm(x, w, y, offsets);
      e.out("y", y, tol);
    });
    add(t, Op::GroupedGemmBackwardInput, g.name(), [g, tol](Env& e) {
      const auto offsets = makeSegments(g.experts, g.rows, g.pattern, 31);
      Tensor dy = e.randn(g.rows, g.out, 36), w = e.randn(g.experts * g.in, g.out, 33, 0.1f);
      Tensor dx = e.randn(g.rows, g.in, 37);
      e.be.groupedGemmBackwardInput(dy, w, dx, offsets);
      e.out("dx", dx, tol);
    });
    add(t, Op::GroupedGemmBackwardWeight, g.name(), [g, tolK](Env& e) {
      const auto offsets = makeSegments(g.experts, g.rows, g.pattern, 31);
      Tensor x = e.randn(g.rows, g.in, 32), dy = e.randn(g.rows, g.out, 36);
      for (float beta : {0.0f, 1.0f, 0.5f}) {
        Tensor dw = e.randn(g.experts * g.in, g.out, 38);
        e.be.groupedGemmBackwardWeight(x, dy, dw, offsets, beta);
        e.out("dw beta=" + num(beta), dw, tolK);
      }
    });
    add(t, Op::GroupedGemmBackwardWeightAdam, g.name(), [g, tolK](Env& e) {
      const auto offsets = makeSegments(g.experts, g.rows, g.pattern, 31);
      const int wr = g.experts * g.in;
      Tensor x = e.randn(g.rows, g.in, 32), dy = e.randn(g.rows, g.out, 36, 0.1f);
      Tensor w = e.randn(wr, g.out, 33, 0.1f), m = e.be.alloc(wr, g.out), v = e.be.alloc(wr, g.out);
      Tensor scratch = e.be.alloc(wr, g.out);
      e.be.fill(m, 0.01f);
      e.be.fill(v, 0.02f);
      AdamParams p;
      p.lr = 0.01f;
      p.step = 3;
      p.weightDecay = 0.1f;
      p.decoupled = true;
      e.check(e.be.groupedGemmBackwardWeightAdam(x, dy, w, m, v, offsets, p, scratch),
              "a finite gradient must be reported finite");
      e.out("w", w, {2e-6f, 1e-6f});
      e.out("m", m, tolK);
      e.out("v", v, {1e-7f, 1e-4f});
    });
    if (g.rows > 0)
      add(t, Op::GroupedGemmBackwardWeightAdam, g.name() + ", one NaN in dy", [g](Env& e) {
        const auto offsets = makeSegments(g.experts, g.rows, g.pattern, 31);
        int hit = 0;  // the expert that owns row 0
        while (offsets[std::size_t(hit) + 1] == 0) ++hit;
        const int wr = g.experts * g.in;
        Tensor x = e.randn(g.rows, g.in, 32), w = e.randn(wr, g.out, 33, 0.1f);
        std::mt19937 rng(36);
        std::normal_distribution<float> d(0.0f, 0.1f);
        std::vector<float> dyv(std::size_t(g.rows) * std::size_t(g.out));
        for (auto& v : dyv) v = d(rng);
        dyv[0] = std::numeric_limits<float>::quiet_NaN();
        Tensor dy = e.floats(g.rows, g.out, dyv), m = e.be.alloc(wr, g.out);
        Tensor v = e.be.alloc(wr, g.out), scratch = e.be.alloc(wr, g.out);
        const auto before = toHost(e.be, w);
        AdamParams p;
        e.check(!e.be.groupedGemmBackwardWeightAdam(x, dy, w, m, v, offsets, p, scratch),
                "a NaN gradient must be reported");
        const auto after = toHost(e.be, w);
        const auto block = std::size_t(hit) * std::size_t(g.in) * std::size_t(g.out);
        const auto blockEnd = block + std::size_t(g.in) * std::size_t(g.out);
        e.check(std::equal(before.begin() + std::ptrdiff_t(block),
                           before.begin() + std::ptrdiff_t(blockEnd),
                           after.begin() + std::ptrdiff_t(block)),
                "the NaN gradient's expert block must keep its weights");
        const auto mh = toHost(e.be, m), vh = toHost(e.be, v);
        e.check(
            std::all_of(mh.begin() + std::ptrdiff_t(block), mh.begin() + std::ptrdiff_t(blockEnd),
                        [](float z) { return z == 0.0f; }) &&
                std::all_of(vh.begin() + std::ptrdiff_t(block),
                            vh.begin() + std::ptrdiff_t(blockEnd),
                            [](float z) { return z == 0.0f; }),
            "the NaN gradient's expert block must keep its moments");
      });
    add(t, Op::GroupedAddBias, g.name(), [g](Env& e) {
      const auto offsets = makeSegments(g.experts, g.rows, g.pattern, 31);
      Tensor y = e.randn(g.rows, g.out, 34), b = e.randn(g.experts, g.out, 35);
      e.be.groupedAddBias(y, b, offsets);
      e.out("y", y, {1e-6f, 1e-6f});
    });
    add(t, Op::GroupedBiasGrad, g.name(), [g, tolK](Env& e) {
      const auto offsets = makeSegments(g.experts, g.rows, g.pattern, 31);
      Tensor dy = e.randn(g.rows, g.out, 36);
      for (float beta : {0.0f, 1.0f}) {
        Tensor db = e.randn(g.experts, g.out, 39);
        e.be.groupedBiasGrad(dy, db, offsets, beta);
        e.out("db beta=" + num(beta), db, tolK);
      }
    });
  }
}

// ---- routing and loss ---------------------------------------------------------------------

void routingRows(std::vector<OpCase>& t) {
  struct Shape {
    int rows, cols, k;
  };
  for (Shape s : {Shape{1, 1, 2},
                  {7, 10, 2},
                  {33, 256, 2},
                  {130, 10, 2},
                  {128, 784, 1},
                  {33, 10, 3},
                  {0, 4, 2}}) {
    const std::string name = dims(s.rows, s.cols) + " top-" + std::to_string(s.k);
    const Dispatch d = makeDispatch(s.rows, s.k, 41);
    const int cols = s.cols;
    add(t, Op::GatherRows, name, [d, cols](Env& e) {
      Tensor src = e.randn(d.srcRows, cols, 42), slot = e.ints(d.nnz(), 1, d.slot);
      Tensor out = e.randn(d.nnz(), cols, 44);
      e.be.gatherRows(src, slot, out);
      e.out("out", out);
    });
    add(t, Op::ScatterRows, name, [d, cols](Env& e) {
      const int m = std::min(d.nnz(), d.srcRows);
      Tensor index = e.ints(m, 1, std::vector<std::int32_t>(d.perm.begin(), d.perm.begin() + m));
      Tensor part = e.randn(m, cols, 53), table = e.randn(d.srcRows, cols, 54);
      e.be.scatterRows(part, index, table);
      e.out("table", table);
    });
    add(t, Op::CombineRows, name, [d, cols](Env& e) {
      Tensor src = e.randn(d.srcRows, cols, 42), rowPtr = e.ints(d.rows + 1, 1, d.rowPtr);
      Tensor slot = e.ints(d.nnz(), 1, d.slot), weight = e.floats(d.nnz(), 1, d.weight);
      for (float beta : {0.0f, 0.5f}) {
        Tensor out = e.randn(d.rows, cols, 43);
        e.be.combineRows(src, rowPtr, slot, weight, beta, out);
        e.out("out beta=" + num(beta), out, {1e-6f, 1e-6f});
      }
    });
    add(t, Op::CombineRowsBackward, name, [d, cols](Env& e) {
      Tensor src = e.randn(d.srcRows, cols, 42), rowPtr = e.ints(d.rows + 1, 1, d.rowPtr);
      Tensor slot = e.ints(d.nnz(), 1, d.slot), weight = e.floats(d.nnz(), 1, d.weight);
      Tensor dOut = e.randn(d.rows, cols, 45), dSrc = e.randn(d.srcRows, cols, 46);
      Tensor dWeight = e.randn(d.nnz(), 1, 47);
      e.be.combineRowsBackward(dOut, src, rowPtr, slot, weight, dSrc, dWeight);
      e.out("dSrc", dSrc);
      e.out("dWeight", dWeight, {1e-5f * std::sqrt(float(cols)), 1e-5f});
    });
  }
  for (auto [r, c] : {std::pair{1, 10}, {7, 10}, {33, 257}, {130, 256}, {0, 10}})
    add(t, Op::CrossEntropy, dims(r, c), [r, c](Env& e) {
      std::mt19937 rng(7);
      std::vector<std::int32_t> labels(std::size_t(r), 0);
      for (auto& l : labels) l = int(rng() % unsigned(c));
      Tensor logits = e.randn(r, c, 48, 4.0f), lab = e.ints(r, 1, labels);
      Tensor d = e.randn(r, c, 53);
      const double loss = e.be.crossEntropy(logits, lab, 1.0f / float(std::max(r, 1)), d);
      e.out("loss", loss, {1e-5f, 1e-5f});
      e.out("dLogits", d, {1e-7f, 1e-5f});
    });
  add(t, Op::CrossEntropy, "label out of range", [](Env& e) {
    Tensor logits = e.randn(3, 4, 48), lab = e.ints(3, 1, {0, 4, 1}), d = e.be.alloc(3, 4);
    bool threw = false;
    try {
      e.be.crossEntropy(logits, lab, 1.0f, d);
    } catch (const ShapeError&) {
      threw = true;
    }
    e.check(threw, "a label equal to the class count must throw ShapeError");
  });
}

// ---- optimizers ---------------------------------------------------------------------------

void optimizerRows(std::vector<OpCase>& t) {
  struct Kind {
    const char* name;
    float weightDecay;
    bool flag;  // Adam: decoupled (AdamW); SGD: Nesterov
  };
  for (auto [r, c] : {std::pair{1, 1}, {33, 10}, {784, 256}, {0, 3}}) {
    for (Kind k : {Kind{"adam", 0.0f, false}, {"adam l2", 0.01f, false}, {"adamw", 0.01f, true}})
      add(t, Op::AdamUpdate, std::string(k.name) + " " + dims(r, c) + ", 3 steps",
          [k, r, c](Env& e) {
            Tensor p = e.randn(r, c, 61), m = e.be.alloc(r, c), v = e.be.alloc(r, c);
            for (int step = 1; step <= 3; ++step) {
              AdamParams ap;
              ap.weightDecay = k.weightDecay;
              ap.decoupled = k.flag;
              ap.step = step;
              e.be.adamUpdate(p, e.randn(r, c, 62 + unsigned(step)), m, v, ap);
            }
            e.out("param", p, {1e-6f, 1e-6f});
            e.out("m", m, {1e-6f, 1e-6f});
            e.out("v", v, {1e-7f, 1e-5f});
          });
    for (Kind k : {Kind{"sgd momentum", 0.0f, false}, {"sgd nesterov, decay", 0.001f, true}})
      add(t, Op::SgdUpdate, std::string(k.name) + " " + dims(r, c) + ", 3 steps",
          [k, r, c](Env& e) {
            Tensor p = e.randn(r, c, 61), vel = e.be.alloc(r, c);
            SgdParams sp;
            sp.weightDecay = k.weightDecay;
            sp.nesterov = k.flag;
            for (int step = 1; step <= 3; ++step)
              e.be.sgdUpdate(p, e.randn(r, c, 62 + unsigned(step)), vel, sp);
            e.out("param", p, {1e-6f, 1e-6f});
            e.out("velocity", vel, {1e-6f, 1e-6f});
          });
  }
  add(t, Op::SgdUpdate, "plain (no momentum) 7x10", [](Env& e) {
    Tensor p = e.randn(7, 10, 61), vel = e.be.alloc(7, 10);
    SgdParams sp;
    sp.momentum = 0.0f;
    e.be.sgdUpdate(p, e.randn(7, 10, 62), vel, sp);
    e.out("param", p, {1e-6f, 1e-6f});
  });
}

std::vector<OpCase> opTable() {
  std::vector<OpCase> t;
  memoryRows(t);
  elementwiseRows(t);
  gemmRows(t);
  groupedRows(t);
  routingRows(t);
  optimizerRows(t);
  return t;
}

/** The first element where got and want differ by more than tol, as a message; empty if none. */
QString compare(const Output& want, const Output& got, Tol tol) {
  if (want.what != got.what || want.values.size() != got.values.size())
    return QString("%1: %2 values, expected %3 (%4)")
        .arg(QString::fromStdString(got.what))
        .arg(got.values.size())
        .arg(want.values.size())
        .arg(QString::fromStdString(want.what));
  for (std::size_t i = 0; i < want.values.size(); ++i) {
    const double a = want.values[i], b = got.values[i];
    const bool ok = std::isnan(a) ? std::isnan(b)
                                  : std::fabs(b - a) <= double(tol.atol) + tol.rtol * std::fabs(a);
    if (!ok)
      return QString("%1[%2]: %3, reference %4 (atol %5, rtol %6)")
          .arg(QString::fromStdString(want.what))
          .arg(i)
          .arg(b, 0, 'g', 9)
          .arg(a, 0, 'g', 9)
          .arg(double(tol.atol))
          .arg(double(tol.rtol));
  }
  return {};
}

}  // namespace

class TestBackendOps : public QObject {
  Q_OBJECT

  CpuBackend mReference{2};
  std::vector<Subject> mSubjects;
  std::vector<OpCase> mOps = opTable();

 private Q_SLOTS:
  void initTestCase() { mSubjects = backendsUnderTest(); }

  void everyOpIsCovered() {
    for (int i = 0; i < int(Op::Count); ++i) {
      const Op op = Op(i);
      const auto rows =
          std::count_if(mOps.begin(), mOps.end(), [op](const OpCase& c) { return c.op == op; });
      QVERIFY2(rows > 0, qPrintable(QString("%1 has no row in the op table").arg(opName(op))));
    }
  }

  void ops_data() {
    QTest::addColumn<int>("subject");
    QTest::addColumn<int>("row");
    for (std::size_t s = 0; s < mSubjects.size(); ++s) {
      const QByteArray who = mSubjects[s].name.toUtf8();
      if (!mSubjects[s].backend) {
        QTest::addRow("%s: unavailable", who.constData()) << int(s) << -1;
        continue;
      }
      for (std::size_t r = 0; r < mOps.size(); ++r)
        QTest::addRow("%s | %s: %s", who.constData(), opName(mOps[r].op), mOps[r].name.c_str())
            << int(s) << int(r);
    }
  }
  void ops() {
    QFETCH(int, subject);
    QFETCH(int, row);
    const Subject& s = mSubjects[std::size_t(subject)];
    if (!s.backend) QSKIP(qPrintable("no usable OpenCL device: " + s.unavailable));
    const OpCase& c = mOps[std::size_t(row)];
    Env want(mReference), got(*s.backend), again(*s.backend);
    c.run(want);
    c.run(got);
    c.run(again);
    for (const Env* env : {&want, &got})
      for (const std::string& f : env->failures)
        QFAIL(qPrintable(QString("%1: %2")
                             .arg(&env->be == &mReference ? "reference" : s.name)
                             .arg(QString::fromStdString(f))));
    QCOMPARE(got.outputs.size(), want.outputs.size());
    for (std::size_t i = 0; i < want.outputs.size(); ++i) {
      const QString vsReference =
          compare(want.outputs[i], got.outputs[i], s.exact ? Tol{} : want.outputs[i].tol);
      QVERIFY2(vsReference.isEmpty(), qPrintable(vsReference));
      const QString repeat = compare(got.outputs[i], again.outputs[i], Tol{});
      QVERIFY2(repeat.isEmpty(), qPrintable("not deterministic: " + repeat));
    }
  }
};

QTEST_GUILESS_MAIN(TestBackendOps)
#include "test_backend_ops.moc"
