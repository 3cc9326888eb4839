#pragma once
/** @file The reference backend: Eigen for the arithmetic, oneTBB for the parallelism. */
#include <atomic>
#include <memory>

#include "compute/backend.h"

namespace moe::compute {

/**
 * CPU backend. Every parallel op splits its work into a fixed set of chunks that write
 * disjoint outputs, so results are bit-identical whatever the number of threads. All work runs
 * inside the backend's own tbb::task_arena of `threads` workers, so a GUI thread keeps its core.
 */
class CpuBackend final : public Backend {
 public:
  /** threads = 0 uses every core. */
  explicit CpuBackend(int threads = 0);
  ~CpuBackend() override;

  int threads() const { return mThreads; }

  std::string name() const override { return "cpu"; }
  std::string deviceName() const override;

  void synchronize() override {}
  void setBackgroundPriority() override;

 protected:
  Tensor doAlloc(int rows, int cols, DType dtype) override;
  void doWrite(Tensor& dst, std::span<const float> src) override;
  void doWrite(Tensor& dst, std::span<const std::int32_t> src) override;
  void doRead(const Tensor& src, std::span<float> dst) override;
  void doRead(const Tensor& src, std::span<std::int32_t> dst) override;

  void doFill(Tensor& x, float value) override;
  void doCopy(const Tensor& src, Tensor& dst) override;
  void doAxpby(float a, const Tensor& x, float b, Tensor& y) override;
  void doMul(const Tensor& x, const Tensor& y, Tensor& z) override;
  void doActivation(Activation act, const Tensor& x, Tensor& y) override;
  void doActivationBackward(Activation act, const Tensor& x, const Tensor& y, const Tensor& dy,
                            Tensor& dx) override;
  void doAddRowVector(Tensor& x, const Tensor& b) override;
  void doSumRows(const Tensor& x, Tensor& out, float beta) override;
  double doSumSquares(const Tensor& x) override;

  void doGemm(bool transA, bool transB, float alpha, const Tensor& a, const Tensor& b, float beta,
              Tensor& c) override;
  void doGroupedGemm(const Tensor& x, const Tensor& w, Tensor& y, Segments offsets) override;
  void doGroupedGemmBackwardInput(const Tensor& dy, const Tensor& w, Tensor& dx,
                                  Segments offsets) override;
  void doGroupedGemmBackwardWeight(const Tensor& x, const Tensor& dy, Tensor& dw, Segments offsets,
                                   float beta) override;
  bool doGroupedGemmBackwardWeightAdam(const Tensor& x, const Tensor& dy, Tensor& w, Tensor& m,
                                       Tensor& v, Segments offsets, const AdamParams& p,
                                       Tensor& dwScratch) override;
  void doGroupedAddBias(Tensor& y, const Tensor& b, Segments offsets) override;
  void doGroupedBiasGrad(const Tensor& dy, Tensor& db, Segments offsets, float beta) override;

  void doGatherRows(const Tensor& x, const Tensor& index, Tensor& out) override;
  void doScatterRows(const Tensor& src, const Tensor& index, Tensor& out) override;
  void doCombineRows(const Tensor& src, const Tensor& rowPtr, const Tensor& slot,
                     const Tensor& weight, float beta, Tensor& out) override;
  void doCombineRowsBackward(const Tensor& dOut, const Tensor& src, const Tensor& rowPtr,
                             const Tensor& slot, const Tensor& weight, Tensor& dSrc,
                             Tensor& dWeight) override;

  double doCrossEntropy(const Tensor& logits, const Tensor& labels, float scale,
                        Tensor& dLogits) override;

  void doAdamUpdate(Tensor& param, const Tensor& grad, Tensor& m, Tensor& v,
                    const AdamParams& p) override;
  void doSgdUpdate(Tensor& param, const Tensor& grad, Tensor& velocity,
                   const SgdParams& p) override;

 private:
  /** Runs body(0..chunks-1) on the worker threads; `elements` (the floats the op moves, when
   *  the caller knows them) below kSerialElements runs on the calling thread instead. */
  template <typename F>
  void parallel(int chunks, F&& body, std::size_t elements = ~std::size_t(0));

  int mThreads;
  struct Arena;  // the tbb::task_arena, kept out of this header
  std::unique_ptr<Arena> mArena;
  std::atomic<bool> mBackground{false};  // threads lower their priority as they work
};

}  // namespace moe::compute
