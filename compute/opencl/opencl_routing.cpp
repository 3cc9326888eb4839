// Routing ops: gather, scatter, CSR combine and its backward; cross-entropy.
// Index tensors (gather indices, CSR rows and slots) stay on the device and are not validated
// on the host, which would need a read-back; the kernels treat out-of-range entries as absent.
#include "compute/opencl/opencl_backend_impl.h"

namespace moe::compute {

namespace {
constexpr int kScratchLoss = 1;  // crossEntropy's per-row losses
}  // namespace

void OpenClBackend::doGatherRows(const Tensor& x, const Tensor& index, Tensor& out) {
  launch2d(mK.gatherRows, out.cols(), out.rows(), x, x.rows(), index, out, out.rows(), out.cols());
}

void OpenClBackend::doScatterRows(const Tensor& src, const Tensor& index, Tensor& out) {
  launch2d(mK.scatterRows, src.cols(), src.rows(), src, index, out, out.rows(), src.rows(),
           src.cols());
}

void OpenClBackend::doCombineRows(const Tensor& src, const Tensor& rowPtr, const Tensor& slot,
                                  const Tensor& weight, float beta, Tensor& out) {
  launch2d(mK.combineRows, out.cols(), out.rows(), src, src.rows(), rowPtr, slot, weight, beta, out,
           out.rows(), out.cols());
}

void OpenClBackend::doCombineRowsBackward(const Tensor& dOut, const Tensor& src,
                                          const Tensor& rowPtr, const Tensor& slot,
                                          const Tensor& weight, Tensor& dSrc, Tensor& dWeight) {
  doFill(dSrc, 0.0f);  // slots no row references get zero
  launch2d(mK.combineRowsBackwardSrc, dOut.cols(), dOut.rows(), dOut, rowPtr, slot, weight, dSrc,
           src.rows(), dOut.rows(), dOut.cols());
  launch1d(mK.combineRowsBackwardWeight, weight.size(), dOut, src, src.rows(), rowPtr, slot,
           dWeight, dOut.rows(), dOut.cols(), int(weight.size()));
}

double OpenClBackend::doCrossEntropy(const Tensor& logits, const Tensor& labels, float scale,
                                     Tensor& dLogits) {
  const int rows = logits.rows();
  if (rows == 0) return 0.0;
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
