// Routing ops: gather, CSR combine and its backward, softmax, top-k, cross-entropy.
// Index tensors (gather indices, CSR rows and slots) stay on the device and are not validated
// on the host, which would need a read-back; the kernels treat out-of-range entries as absent.
#include "compute/opencl/opencl_backend_impl.h"

namespace moe::compute {

namespace {
constexpr int kScratchLoss = 1;  // crossEntropy's per-row losses

void requireCsr(const Tensor& rowPtr, const Tensor& slot, const Tensor& weight, int rows,
                const char* op) {
  requireI32(rowPtr, op, "rowPtr");
  requireI32(slot, op, "slot");
  requireF32(weight, op, "weight");
  if (rowPtr.size() != std::size_t(rows) + 1)
    throw ShapeError(std::string(op) + ": rowPtr must have rows + 1 entries");
  if (slot.size() != weight.size())
    throw ShapeError(std::string(op) + ": slot and weight sizes differ");
}
}  // namespace

void OpenClBackend::gatherRows(const Tensor& x, const Tensor& index, Tensor& out) {
  requireF32(x, "gatherRows", "x");
  requireI32(index, "gatherRows", "index");
  requireF32(out, "gatherRows", "out");
  requireShape(out, int(index.size()), x.cols(), "gatherRows", "out");
  launch2d(mK.gatherRows, out.cols(), out.rows(), x, x.rows(), index, out, out.rows(), out.cols());
}

void OpenClBackend::scatterRows(const Tensor& src, const Tensor& index, Tensor& out) {
  requireF32(src, "scatterRows", "src");
  requireI32(index, "scatterRows", "index");
  requireF32(out, "scatterRows", "out");
  requireShape(src, int(index.size()), out.cols(), "scatterRows", "src");
  launch2d(mK.scatterRows, src.cols(), src.rows(), src, index, out, out.rows(), src.rows(),
           src.cols());
}

void OpenClBackend::combineRows(const Tensor& src, const Tensor& rowPtr, const Tensor& slot,
                                const Tensor& weight, float beta, Tensor& out) {
  requireF32(src, "combineRows", "src");
  requireF32(out, "combineRows", "out");
  requireCsr(rowPtr, slot, weight, out.rows(), "combineRows");
  if (src.cols() != out.cols()) throw ShapeError("combineRows: src and out widths differ");
  launch2d(mK.combineRows, out.cols(), out.rows(), src, src.rows(), rowPtr, slot, weight, beta, out,
           out.rows(), out.cols());
}

void OpenClBackend::combineRowsBackward(const Tensor& dOut, const Tensor& src, const Tensor& rowPtr,
                                        const Tensor& slot, const Tensor& weight, Tensor& dSrc,
                                        Tensor& dWeight) {
  const char* op = "combineRowsBackward";
  requireF32(dOut, op, "dOut");
  requireF32(src, op, "src");
  requireF32(dSrc, op, "dSrc");
  requireF32(dWeight, op, "dWeight");
  requireCsr(rowPtr, slot, weight, dOut.rows(), op);
  requireSameShape(src, dSrc, op);
  if (src.cols() != dOut.cols()) throw ShapeError("combineRowsBackward: widths differ");
  if (dWeight.size() != weight.size())
    throw ShapeError("combineRowsBackward: dWeight and weight sizes differ");
  fill(dSrc, 0.0f);  // slots no row references get zero
  launch2d(mK.combineRowsBackwardSrc, dOut.cols(), dOut.rows(), dOut, rowPtr, slot, weight, dSrc,
           src.rows(), dOut.rows(), dOut.cols());
  launch1d(mK.combineRowsBackwardWeight, weight.size(), dOut, src, src.rows(), rowPtr, slot,
           dWeight, dOut.rows(), dOut.cols(), int(weight.size()));
}

void OpenClBackend::softmaxRows(const Tensor& x, Tensor& y) {
  requireF32(x, "softmaxRows", "x");
  requireF32(y, "softmaxRows", "y");
  requireSameShape(x, y, "softmaxRows");
  if (x.cols() > 0) launch1d(mK.softmaxRows, x.rows(), x, y, x.rows(), x.cols());
}

void OpenClBackend::softmaxRowsBackward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  requireF32(y, "softmaxRowsBackward", "y");
  requireF32(dy, "softmaxRowsBackward", "dy");
  requireF32(dx, "softmaxRowsBackward", "dx");
  requireSameShape(y, dy, "softmaxRowsBackward");
  requireSameShape(y, dx, "softmaxRowsBackward");
  launch1d(mK.softmaxRowsBackward, y.rows(), y, dy, dx, y.rows(), y.cols());
}

void OpenClBackend::topk(const Tensor& x, int k, Tensor& values, Tensor& indices) {
  requireF32(x, "topk", "x");
  requireF32(values, "topk", "values");
  requireI32(indices, "topk", "indices");
  if (k < 1 || k > x.cols()) throw ShapeError("topk: k must be in [1, cols]");
  requireShape(values, x.rows(), k, "topk", "values");
  requireShape(indices, x.rows(), k, "topk", "indices");
  launch1d(mK.topkRows, x.rows(), x, values, indices, x.rows(), x.cols(), k);
}

double OpenClBackend::crossEntropy(const Tensor& logits, const Tensor& labels, float scale,
                                   Tensor& dLogits) {
  requireF32(logits, "crossEntropy", "logits");
  requireI32(labels, "crossEntropy", "labels");
  requireF32(dLogits, "crossEntropy", "dLogits");
  requireSameShape(logits, dLogits, "crossEntropy");
  const int rows = logits.rows();
  if (labels.size() != std::size_t(rows))
    throw ShapeError("crossEntropy: one label per row expected");
  if (rows == 0) return 0.0;
  if (logits.cols() == 0) throw ShapeError("crossEntropy: logits have no columns");
  const cl::Buffer& loss = scratch(kScratchLoss, std::size_t(rows) * sizeof(float));
  launch1d(mK.crossEntropy, rows, logits, labels, scale, dLogits, loss, rows, logits.cols());
  mHostScratch.resize(rows);
  checkCl(mQueue.enqueueReadBuffer(loss, CL_TRUE, 0, rows * sizeof(float), mHostScratch.data()),
          "crossEntropy");
  double sum = 0.0;
  bool badLabel = false;
  for (float l : mHostScratch) {
    badLabel = badLabel || l < 0.0f;  // the kernel's marker; real losses are >= 0
    sum += l;
  }
  if (badLabel)
    throw ShapeError("crossEntropy: label out of range [0, " + std::to_string(logits.cols()) + ")");
  return sum;
}

}  // namespace moe::compute
