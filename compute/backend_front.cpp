// Backend's non-virtual fronts: every operand is validated here, once for all backends, and
// the op is then handed to the backend's doX implementation.
#include <string>

#include "compute/backend.h"

namespace moe::compute {

namespace {

std::string dims(long rows, long cols) { return std::to_string(rows) + "x" + std::to_string(cols); }
std::string shapeOf(const Tensor& t) { return dims(t.rows(), t.cols()); }
const char* typeName(DType d) { return d == DType::F32 ? "float32" : "int32"; }

/** The checks of one op call; every failure throws ShapeError("<op>: <what>"). */
class Check {
 public:
  Check(const Backend* self, Op op) : mSelf(self), mOp(op) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw ShapeError(std::string(opName(mOp)) + ": " + what);
  }
  /** t is a tensor of this backend with element type d. */
  void type(const Tensor& t, DType d, const char* name) const {
    if (t.empty()) fail(std::string(name) + " is an empty tensor handle");
    if (t.backend() != mSelf) fail(std::string(name) + " belongs to another backend");
    if (t.dtype() != d)
      fail(std::string(name) + " is " + typeName(t.dtype()) + ", expected " + typeName(d));
  }
  void f32(const Tensor& t, const char* name) const { type(t, DType::F32, name); }
  void i32(const Tensor& t, const char* name) const { type(t, DType::I32, name); }
  /** t is rows x cols. */
  void shape(const Tensor& t, long rows, long cols, const char* name) const {
    if (t.rows() != rows || t.cols() != cols)
      fail(std::string(name) + " is " + shapeOf(t) + ", expected " + dims(rows, cols));
  }
  /** b has a's shape. */
  void same(const Tensor& a, const char* an, const Tensor& b, const char* bn) const {
    if (a.rows() != b.rows() || a.cols() != b.cols())
      fail(std::string(bn) + " is " + shapeOf(b) + ", " + an + " is " + shapeOf(a) +
           " (shapes must match)");
  }
  /** t holds exactly n values (any shape, e.g. an n x 1 index column). */
  void count(const Tensor& t, std::size_t n, const char* name) const {
    if (t.size() != n)
      fail(std::string(name) + " is " + shapeOf(t) + ", expected " + std::to_string(n) + " values");
  }
  /** offsets: experts + 1 >= 2 entries, offsets[0] == 0, non-decreasing, last == rows.
   *  Returns the number of experts. */
  int segments(Segments offsets, int rows) const {
    if (offsets.size() < 2) fail("segments need at least one expert (experts + 1 offsets)");
    if (offsets.front() != 0) fail("segment offsets must start at 0");
    for (std::size_t e = 1; e < offsets.size(); ++e)
      if (offsets[e] < offsets[e - 1]) fail("segment offsets must be non-decreasing");
    if (offsets.back() != rows)
      fail("segments cover " + std::to_string(offsets.back()) + " rows, the tensor has " +
           std::to_string(rows));
    return int(offsets.size()) - 1;
  }
  /** CSR operands of combineRows over `rows` output rows (their values are not read). */
  void csr(const Tensor& rowPtr, const Tensor& slot, const Tensor& weight, int rows) const {
    i32(rowPtr, "rowPtr");
    i32(slot, "slot");
    f32(weight, "weight");
    count(rowPtr, std::size_t(rows) + 1, "rowPtr");
    if (slot.size() != weight.size())
      fail("slot is " + shapeOf(slot) + ", weight is " + shapeOf(weight) +
           " (one weight per slot)");
  }

 private:
  const Backend* mSelf;
  Op mOp;
};

}  // namespace

// ---- memory -------------------------------------------------------------------------------

Tensor Backend::alloc(int rows, int cols, DType dtype) {
  if (rows < 0 || cols < 0) Check(this, Op::Alloc).fail("negative shape " + dims(rows, cols));
  return doAlloc(rows, cols, dtype);
}

void Backend::write(Tensor& dst, std::span<const float> src) {
  const Check ck(this, Op::Write);
  ck.f32(dst, "dst");
  if (src.size() != dst.size())
    ck.fail(std::to_string(src.size()) + " values for dst " + shapeOf(dst));
  doWrite(dst, src);
}

void Backend::write(Tensor& dst, std::span<const std::int32_t> src) {
  const Check ck(this, Op::Write);
  ck.i32(dst, "dst");
  if (src.size() != dst.size())
    ck.fail(std::to_string(src.size()) + " values for dst " + shapeOf(dst));
  doWrite(dst, src);
}

void Backend::read(const Tensor& src, std::span<float> dst) {
  const Check ck(this, Op::Read);
  ck.f32(src, "src");
  if (src.size() != dst.size())
    ck.fail("src " + shapeOf(src) + " into " + std::to_string(dst.size()) + " values");
  doRead(src, dst);
}

void Backend::read(const Tensor& src, std::span<std::int32_t> dst) {
  const Check ck(this, Op::Read);
  ck.i32(src, "src");
  if (src.size() != dst.size())
    ck.fail("src " + shapeOf(src) + " into " + std::to_string(dst.size()) + " values");
  doRead(src, dst);
}

// ---- element-wise -------------------------------------------------------------------------

void Backend::fill(Tensor& x, float value) {
  Check(this, Op::Fill).f32(x, "x");
  doFill(x, value);
}

void Backend::copy(const Tensor& src, Tensor& dst) {
  const Check ck(this, Op::Copy);
  ck.type(src, src.dtype(), "src");
  ck.type(dst, src.dtype(), "dst");
  ck.count(dst, src.size(), "dst");
  doCopy(src, dst);
}

void Backend::axpby(float a, const Tensor& x, float b, Tensor& y) {
  const Check ck(this, Op::Axpby);
  ck.f32(x, "x");
  ck.f32(y, "y");
  ck.same(x, "x", y, "y");
  doAxpby(a, x, b, y);
}

void Backend::mul(const Tensor& x, const Tensor& y, Tensor& z) {
  const Check ck(this, Op::Mul);
  ck.f32(x, "x");
  ck.f32(y, "y");
  ck.f32(z, "z");
  ck.same(x, "x", y, "y");
  ck.same(x, "x", z, "z");
  doMul(x, y, z);
}

void Backend::activation(Activation act, const Tensor& x, Tensor& y) {
  const Check ck(this, Op::Activation);
  ck.f32(x, "x");
  ck.f32(y, "y");
  ck.same(x, "x", y, "y");
  doActivation(act, x, y);
}

void Backend::activationBackward(Activation act, const Tensor& x, const Tensor& y, const Tensor& dy,
                                 Tensor& dx) {
  const Check ck(this, Op::ActivationBackward);
  ck.f32(x, "x");
  ck.f32(y, "y");
  ck.f32(dy, "dy");
  ck.f32(dx, "dx");
  ck.same(x, "x", y, "y");
  ck.same(x, "x", dy, "dy");
  ck.same(x, "x", dx, "dx");
  doActivationBackward(act, x, y, dy, dx);
}

void Backend::addRowVector(Tensor& x, const Tensor& b) {
  const Check ck(this, Op::AddRowVector);
  ck.f32(x, "x");
  ck.f32(b, "b");
  ck.shape(b, 1, x.cols(), "b");
  doAddRowVector(x, b);
}

void Backend::sumRows(const Tensor& x, Tensor& out, float beta) {
  const Check ck(this, Op::SumRows);
  ck.f32(x, "x");
  ck.f32(out, "out");
  ck.shape(out, 1, x.cols(), "out");
  doSumRows(x, out, beta);
}

double Backend::sumSquares(const Tensor& x) {
  Check(this, Op::SumSquares).f32(x, "x");
  return doSumSquares(x);
}

// ---- matrix products ----------------------------------------------------------------------

void Backend::gemm(bool transA, bool transB, float alpha, const Tensor& a, const Tensor& b,
                   float beta, Tensor& c) {
  const Check ck(this, Op::Gemm);
  ck.f32(a, "a");
  ck.f32(b, "b");
  ck.f32(c, "c");
  const int m = transA ? a.cols() : a.rows(), k = transA ? a.rows() : a.cols();
  const int kb = transB ? b.cols() : b.rows(), n = transB ? b.rows() : b.cols();
  if (k != kb || c.rows() != m || c.cols() != n)
    ck.fail("op(A) " + dims(m, k) + " times op(B) " + dims(kb, n) + " into C " + shapeOf(c));
  doGemm(transA, transB, alpha, a, b, beta, c);
}

void Backend::groupedGemm(const Tensor& x, const Tensor& w, Tensor& y, Segments offsets) {
  const Check ck(this, Op::GroupedGemm);
  ck.f32(x, "x");
  ck.f32(w, "w");
  ck.f32(y, "y");
  const int experts = ck.segments(offsets, x.rows());
  ck.shape(w, long(experts) * x.cols(), w.cols(), "stacked w");
  ck.shape(y, x.rows(), w.cols(), "y");
  doGroupedGemm(x, w, y, offsets);
}

void Backend::groupedGemmBackwardInput(const Tensor& dy, const Tensor& w, Tensor& dx,
                                       Segments offsets) {
  const Check ck(this, Op::GroupedGemmBackwardInput);
  ck.f32(dy, "dy");
  ck.f32(w, "w");
  ck.f32(dx, "dx");
  const int experts = ck.segments(offsets, dy.rows());
  ck.shape(w, long(experts) * dx.cols(), dy.cols(), "stacked w");
  ck.shape(dx, dy.rows(), dx.cols(), "dx");
  doGroupedGemmBackwardInput(dy, w, dx, offsets);
}

void Backend::groupedGemmBackwardWeight(const Tensor& x, const Tensor& dy, Tensor& dw,
                                        Segments offsets, float beta) {
  const Check ck(this, Op::GroupedGemmBackwardWeight);
  ck.f32(x, "x");
  ck.f32(dy, "dy");
  ck.f32(dw, "dw");
  const int experts = ck.segments(offsets, x.rows());
  ck.shape(dy, x.rows(), dy.cols(), "dy");
  ck.shape(dw, long(experts) * x.cols(), dy.cols(), "stacked dw");
  doGroupedGemmBackwardWeight(x, dy, dw, offsets, beta);
}

bool Backend::groupedGemmBackwardWeightAdam(const Tensor& x, const Tensor& dy, Tensor& w, Tensor& m,
                                            Tensor& v, Segments offsets, const AdamParams& p,
                                            Tensor& dwScratch) {
  const Check ck(this, Op::GroupedGemmBackwardWeightAdam);
  ck.f32(x, "x");
  ck.f32(dy, "dy");
  ck.f32(w, "w");
  ck.f32(m, "m");
  ck.f32(v, "v");
  ck.f32(dwScratch, "dwScratch");
  const int experts = ck.segments(offsets, x.rows());
  ck.shape(dy, x.rows(), dy.cols(), "dy");
  ck.shape(w, long(experts) * x.cols(), dy.cols(), "stacked w");
  ck.same(w, "w", m, "m");
  ck.same(w, "w", v, "v");
  ck.same(w, "w", dwScratch, "dwScratch");
  return doGroupedGemmBackwardWeightAdam(x, dy, w, m, v, offsets, p, dwScratch);
}

void Backend::groupedAddBias(Tensor& y, const Tensor& b, Segments offsets) {
  const Check ck(this, Op::GroupedAddBias);
  ck.f32(y, "y");
  ck.f32(b, "b");
  const int experts = ck.segments(offsets, y.rows());
  ck.shape(b, experts, y.cols(), "b");
  doGroupedAddBias(y, b, offsets);
}

void Backend::groupedBiasGrad(const Tensor& dy, Tensor& db, Segments offsets, float beta) {
  const Check ck(this, Op::GroupedBiasGrad);
  ck.f32(dy, "dy");
  ck.f32(db, "db");
  const int experts = ck.segments(offsets, dy.rows());
  ck.shape(db, experts, dy.cols(), "db");
  doGroupedBiasGrad(dy, db, offsets, beta);
}

// ---- routing ------------------------------------------------------------------------------

void Backend::gatherRows(const Tensor& x, const Tensor& index, Tensor& out) {
  const Check ck(this, Op::GatherRows);
  ck.f32(x, "x");
  ck.i32(index, "index");
  ck.f32(out, "out");
  ck.shape(out, long(index.size()), x.cols(), "out");
  doGatherRows(x, index, out);
}

void Backend::scatterRows(const Tensor& src, const Tensor& index, Tensor& out) {
  const Check ck(this, Op::ScatterRows);
  ck.f32(src, "src");
  ck.i32(index, "index");
  ck.f32(out, "out");
  ck.shape(src, long(index.size()), out.cols(), "src");
  doScatterRows(src, index, out);
}

void Backend::combineRows(const Tensor& src, const Tensor& rowPtr, const Tensor& slot,
                          const Tensor& weight, float beta, Tensor& out) {
  const Check ck(this, Op::CombineRows);
  ck.f32(src, "src");
  ck.f32(out, "out");
  ck.csr(rowPtr, slot, weight, out.rows());
  ck.shape(out, out.rows(), src.cols(), "out");
  doCombineRows(src, rowPtr, slot, weight, beta, out);
}

void Backend::combineRowsBackward(const Tensor& dOut, const Tensor& src, const Tensor& rowPtr,
                                  const Tensor& slot, const Tensor& weight, Tensor& dSrc,
                                  Tensor& dWeight) {
  const Check ck(this, Op::CombineRowsBackward);
  ck.f32(dOut, "dOut");
  ck.f32(src, "src");
  ck.f32(dSrc, "dSrc");
  ck.f32(dWeight, "dWeight");
  ck.csr(rowPtr, slot, weight, dOut.rows());
  ck.shape(dOut, dOut.rows(), src.cols(), "dOut");
  ck.same(src, "src", dSrc, "dSrc");
  ck.count(dWeight, weight.size(), "dWeight");
  doCombineRowsBackward(dOut, src, rowPtr, slot, weight, dSrc, dWeight);
}

// ---- loss ---------------------------------------------------------------------------------

double Backend::crossEntropy(const Tensor& logits, const Tensor& labels, float scale,
                             Tensor& dLogits) {
  const Check ck(this, Op::CrossEntropy);
  ck.f32(logits, "logits");
  ck.i32(labels, "labels");
  ck.f32(dLogits, "dLogits");
  ck.same(logits, "logits", dLogits, "dLogits");
  ck.count(labels, std::size_t(logits.rows()), "labels");
  if (logits.rows() > 0 && logits.cols() == 0)
    ck.fail("logits " + shapeOf(logits) + " have no columns");
  return doCrossEntropy(logits, labels, scale, dLogits);
}

// ---- optimizers ---------------------------------------------------------------------------

void Backend::adamUpdate(Tensor& param, const Tensor& grad, Tensor& m, Tensor& v,
                         const AdamParams& p) {
  const Check ck(this, Op::AdamUpdate);
  ck.f32(param, "param");
  ck.f32(grad, "grad");
  ck.f32(m, "m");
  ck.f32(v, "v");
  ck.same(param, "param", grad, "grad");
  ck.same(param, "param", m, "m");
  ck.same(param, "param", v, "v");
  doAdamUpdate(param, grad, m, v, p);
}

void Backend::sgdUpdate(Tensor& param, const Tensor& grad, Tensor& velocity, const SgdParams& p) {
  const Check ck(this, Op::SgdUpdate);
  ck.f32(param, "param");
  ck.f32(grad, "grad");
  ck.f32(velocity, "velocity");
  ck.same(param, "param", grad, "grad");
  ck.same(param, "param", velocity, "velocity");
  doSgdUpdate(param, grad, velocity, p);
}

}  // namespace moe::compute
