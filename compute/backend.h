#pragma once
/** @file
 * The Backend interface: every tensor operation a Mixture-of-Experts training step needs.
 *
 * Contract (shared by every backend, checked by tests/compute/test_backend_ops.cpp, which runs
 * every op on every backend against the CPU reference):
 *  - All tensors are row-major 2-D; shapes are checked once, by Backend's non-virtual fronts,
 *    and a mismatch throws ShapeError naming the op and the shapes.
 *  - Ops are enqueued in order; results are visible to read() and to later ops. read()
 *    synchronises. Ops that return a host scalar (crossEntropy, sumSquares) synchronise too.
 *  - Ops never allocate their outputs: the caller passes tensors of the right shape, so a
 *    training step allocates nothing after its first call.
 *  - Results are deterministic: the same inputs give bit-identical outputs on a backend,
 *    whatever the thread count.
 *  - The CPU backend is the reference; others must agree with it within a per-op tolerance.
 */
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "compute/tensor.h"

namespace moe::compute {

/** Thrown when operands have incompatible shapes or types. */
class ShapeError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/** Thrown when a backend cannot be created or an op fails on the device. */
class BackendError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/** Element-wise activation functions with a paired backward. */
enum class Activation : std::uint8_t { Identity, Relu, Gelu, Tanh, Sigmoid, Silu, Softplus };

/** Name <-> enum, for configs and the CLI ("relu", "gelu", ...). parse throws on unknown. */
const char* activationName(Activation a);
Activation parseActivation(const std::string& name);

/**
 * Every op of the Backend interface (the methods that take tensors). Each front reports its
 * errors under its op's name, and tests/compute/test_backend_ops.cpp requires a row in its op
 * table and in its shape-validation table for each: a new op gets an entry here.
 */
// clang-format off
enum class Op : std::uint8_t {
  Alloc, Write, Read, Fill, Copy, Axpby, Mul, Activation, ActivationBackward, AddRowVector,
  SumRows, SumSquares, Gemm, GroupedGemm, GroupedGemmBackwardInput, GroupedGemmBackwardWeight,
  GroupedGemmBackwardWeightAdam, GroupedAddBias, GroupedBiasGrad, GatherRows, ScatterRows,
  CombineRows, CombineRowsBackward, CrossEntropy, AdamUpdate, SgdUpdate,
  Count  ///< not an op: the number of ops
};
// clang-format on
/** The op's method name, e.g. "groupedGemm"; ShapeError messages start with it. */
const char* opName(Op op);

/**
 * Row segments for grouped (per-expert) ops: expert e owns rows [offsets[e], offsets[e+1])
 * of the packed activations. offsets has experts + 1 entries, non-decreasing, offsets[0] == 0.
 * Host-side, because the plan is built on the host from the small routing decision.
 */
using Segments = std::span<const int>;

/** Optimizer hyper-parameters for a fused update of one parameter tensor. */
struct AdamParams {
  float lr = 1e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  float weightDecay = 0.0f;  ///< L2 added to the gradient (Adam) or decoupled (AdamW).
  bool decoupled = false;    ///< true: AdamW.
  long step = 1;             ///< 1-based step count, for bias correction.
  /** groupedGemmBackwardWeightAdam only: experts whose segment is empty keep w, m and v as
   *  they are (lazy experts, OptimConfig::lazyExperts) instead of a step with a zero gradient. */
  bool skipEmptySegments = false;
};

struct SgdParams {
  float lr = 0.01f;
  float momentum = 0.9f;
  float weightDecay = 0.0f;
  bool nesterov = false;
};

/**
 * A compute backend (ggml-style: a name, buffers, ops, synchronize), in two layers (the
 * non-virtual interface pattern):
 *  - the public ops below are non-virtual fronts. Each validates its operands once, for every
 *    backend: tensors non-empty, of this backend, of the documented element type and shape;
 *    segments well-formed. A violation throws ShapeError naming the op and the shapes;
 *  - each front then calls its protected virtual `doX`, which a backend implements and which
 *    may rely on those checks. Values inside index tensors (gather indices, CSR row pointers
 *    and slots, labels) are not shape: a backend checks them where it can read them cheaply
 *    (the CPU backend throws ShapeError; OpenCL kernels skip out-of-range entries; both
 *    reject an out-of-range label in crossEntropy).
 * Adding an op: an Op entry and its front here (checks + a call), its `doX` in every backend,
 * and its rows in tests/compute/test_backend_ops.cpp.
 */
class Backend {
 public:
  virtual ~Backend() = default;

  /** Short name, e.g. "cpu" or "opencl". */
  virtual std::string name() const = 0;
  /** Human-readable device description, e.g. "CPU (Eigen + oneTBB, 2 threads)". */
  virtual std::string deviceName() const = 0;
  /** Blocks until all enqueued work is done. */
  virtual void synchronize() = 0;
  /** Runs this backend's worker threads at a lower OS priority, so that an interactive thread
   *  (a GUI's event loop) is scheduled first when both want a core. Irreversible. */
  virtual void setBackgroundPriority() {}

  // ---- memory -------------------------------------------------------------------------
  /** A new zero-initialised tensor; rows, cols >= 0. */
  Tensor alloc(int rows, int cols, DType dtype = DType::F32);
  /** Uploads src (exactly dst.size() values of dst's type). */
  void write(Tensor& dst, std::span<const float> src);
  void write(Tensor& dst, std::span<const std::int32_t> src);
  /** Downloads src into dst (exactly src.size() values of src's type). Synchronises. */
  void read(const Tensor& src, std::span<float> dst);
  void read(const Tensor& src, std::span<std::int32_t> dst);

  // ---- element-wise -------------------------------------------------------------------
  void fill(Tensor& x, float value);
  /** dst = src: the same element count and type (the shapes may differ). */
  void copy(const Tensor& src, Tensor& dst);
  /** y = a * x + b * y. */
  void axpby(float a, const Tensor& x, float b, Tensor& y);
  /** z = x * y (element-wise; z may alias x or y). */
  void mul(const Tensor& x, const Tensor& y, Tensor& z);
  /** y = act(x). y may alias x. */
  void activation(Activation act, const Tensor& x, Tensor& y);
  /** dx = dy * act'(x), given the forward input x and output y. dx may alias dy. */
  void activationBackward(Activation act, const Tensor& x, const Tensor& y, const Tensor& dy,
                          Tensor& dx);
  /** x += b broadcast over rows; b is 1 x cols. */
  void addRowVector(Tensor& x, const Tensor& b);
  /** out (1 x cols) = beta * out + column sums of x. */
  void sumRows(const Tensor& x, Tensor& out, float beta);
  /** Sum of squares of all elements (synchronises). */
  double sumSquares(const Tensor& x);

  // ---- matrix products ----------------------------------------------------------------
  /** C = alpha * op(A) * op(B) + beta * C, op = transpose when the flag is set. */
  void gemm(bool transA, bool transB, float alpha, const Tensor& a, const Tensor& b, float beta,
            Tensor& c);
  /**
   * Grouped GEMM over expert segments, weights stacked per expert:
   * w is (experts * in) x out, expert e's block is rows [e*in, (e+1)*in).
   * Forward: y[seg_e] = x[seg_e] * W_e  (x: n x in, y: n x out).
   */
  void groupedGemm(const Tensor& x, const Tensor& w, Tensor& y, Segments offsets);
  /** Backward to the input: dx[seg_e] = dy[seg_e] * W_e^T. */
  void groupedGemmBackwardInput(const Tensor& dy, const Tensor& w, Tensor& dx, Segments offsets);
  /** Backward to the weights: dW_e = beta * dW_e + x[seg_e]^T * dy[seg_e]. */
  void groupedGemmBackwardWeight(const Tensor& x, const Tensor& dy, Tensor& dw, Segments offsets,
                                 float beta);
  /**
   * Fused backward-to-weights and Adam step: the same gradient as groupedGemmBackwardWeight
   * (beta = 0), applied to w with moments m, v as adamUpdate would, but without a round trip
   * of the gradient through memory. dwScratch (shape of w) may be used by backends that do not
   * fuse; the default implementation composes the two ops through it.
   * Returns false when some gradient value was not finite (on backends that do not fuse, also
   * when its sum of squares overflows; synchronises where needed). The expert blocks whose
   * gradient was not finite keep their values; others may have been updated, so a caller that
   * needs all or nothing bounds the gradient first (core::Optimizer does).
   */
  bool groupedGemmBackwardWeightAdam(const Tensor& x, const Tensor& dy, Tensor& w, Tensor& m,
                                     Tensor& v, Segments offsets, const AdamParams& p,
                                     Tensor& dwScratch);
  /** y[seg_e] += b_e, where b is experts x out. */
  void groupedAddBias(Tensor& y, const Tensor& b, Segments offsets);
  /** db_e = beta * db_e + column sums of dy[seg_e]. */
  void groupedBiasGrad(const Tensor& dy, Tensor& db, Segments offsets, float beta);

  // ---- routing: gather, scatter, combine ----------------------------------------------
  /** out[i] = x[index[i]] (index: n x 1 int32, out: n x x.cols). */
  void gatherRows(const Tensor& x, const Tensor& index, Tensor& out);
  /**
   * out[index[i]] = src[i] (index: n x 1 int32, distinct entries); other rows of out are left
   * as they are. The inverse of gatherRows, used for sparse (row-wise) optimizer updates of
   * embedding tables: gather the touched rows, update them, scatter them back.
   */
  void scatterRows(const Tensor& src, const Tensor& index, Tensor& out);
  /**
   * Weighted combine in CSR form, deterministic (no atomics):
   * out[r] = beta * out[r] + sum_{j in [rowPtr[r], rowPtr[r+1])} weight[j] * src[slot[j]].
   * rowPtr: (rows+1) x 1, slot and weight: nnz x 1. With unit weights this is the backward of
   * gatherRows (the scatter-add of expert inputs' gradients back to token rows).
   */
  void combineRows(const Tensor& src, const Tensor& rowPtr, const Tensor& slot,
                   const Tensor& weight, float beta, Tensor& out);
  /**
   * Backward of combineRows (beta = 0):
   * dSrc[slot[j]] = weight[j] * dOut[r]   (every slot is referenced at most once; slots that
   *                                        no row references are set to zero),
   * dWeight[j] = dot(dOut[r], src[slot[j]]).
   */
  void combineRowsBackward(const Tensor& dOut, const Tensor& src, const Tensor& rowPtr,
                           const Tensor& slot, const Tensor& weight, Tensor& dSrc, Tensor& dWeight);

  // ---- loss ---------------------------------------------------------------------------
  /**
   * Softmax cross-entropy against int32 labels (rows x 1). Writes
   * dLogits = scale * (softmax(logits) - onehot(label)) and returns the summed (unscaled)
   * loss over rows. Synchronises.
   */
  double crossEntropy(const Tensor& logits, const Tensor& labels, float scale, Tensor& dLogits);

  // ---- optimizers ---------------------------------------------------------------------
  /** In-place Adam/AdamW step on param using grad and moment buffers m, v. */
  void adamUpdate(Tensor& param, const Tensor& grad, Tensor& m, Tensor& v, const AdamParams& p);
  /** In-place SGD (with momentum buffer velocity) step. */
  void sgdUpdate(Tensor& param, const Tensor& grad, Tensor& velocity, const SgdParams& p);

 protected:
  // The implementations behind the fronts above, with the same meaning; called only once the
  // front has validated every operand.
  virtual Tensor doAlloc(int rows, int cols, DType dtype) = 0;
  virtual void doWrite(Tensor& dst, std::span<const float> src) = 0;
  virtual void doWrite(Tensor& dst, std::span<const std::int32_t> src) = 0;
  virtual void doRead(const Tensor& src, std::span<float> dst) = 0;
  virtual void doRead(const Tensor& src, std::span<std::int32_t> dst) = 0;

  virtual void doFill(Tensor& x, float value) = 0;
  virtual void doCopy(const Tensor& src, Tensor& dst) = 0;
  virtual void doAxpby(float a, const Tensor& x, float b, Tensor& y) = 0;
  virtual void doMul(const Tensor& x, const Tensor& y, Tensor& z) = 0;
  virtual void doActivation(Activation act, const Tensor& x, Tensor& y) = 0;
  virtual void doActivationBackward(Activation act, const Tensor& x, const Tensor& y,
                                    const Tensor& dy, Tensor& dx) = 0;
  virtual void doAddRowVector(Tensor& x, const Tensor& b) = 0;
  virtual void doSumRows(const Tensor& x, Tensor& out, float beta) = 0;
  virtual double doSumSquares(const Tensor& x) = 0;

  virtual void doGemm(bool transA, bool transB, float alpha, const Tensor& a, const Tensor& b,
                      float beta, Tensor& c) = 0;
  virtual void doGroupedGemm(const Tensor& x, const Tensor& w, Tensor& y, Segments offsets) = 0;
  virtual void doGroupedGemmBackwardInput(const Tensor& dy, const Tensor& w, Tensor& dx,
                                          Segments offsets) = 0;
  virtual void doGroupedGemmBackwardWeight(const Tensor& x, const Tensor& dy, Tensor& dw,
                                           Segments offsets, float beta) = 0;
  /** Default: doGroupedGemmBackwardWeight into dwScratch, a finiteness check, doAdamUpdate. */
  virtual bool doGroupedGemmBackwardWeightAdam(const Tensor& x, const Tensor& dy, Tensor& w,
                                               Tensor& m, Tensor& v, Segments offsets,
                                               const AdamParams& p, Tensor& dwScratch);
  virtual void doGroupedAddBias(Tensor& y, const Tensor& b, Segments offsets) = 0;
  virtual void doGroupedBiasGrad(const Tensor& dy, Tensor& db, Segments offsets, float beta) = 0;

  virtual void doGatherRows(const Tensor& x, const Tensor& index, Tensor& out) = 0;
  virtual void doScatterRows(const Tensor& src, const Tensor& index, Tensor& out) = 0;
  virtual void doCombineRows(const Tensor& src, const Tensor& rowPtr, const Tensor& slot,
                             const Tensor& weight, float beta, Tensor& out) = 0;
  virtual void doCombineRowsBackward(const Tensor& dOut, const Tensor& src, const Tensor& rowPtr,
                                     const Tensor& slot, const Tensor& weight, Tensor& dSrc,
                                     Tensor& dWeight) = 0;

  virtual double doCrossEntropy(const Tensor& logits, const Tensor& labels, float scale,
                                Tensor& dLogits) = 0;

  virtual void doAdamUpdate(Tensor& param, const Tensor& grad, Tensor& m, Tensor& v,
                            const AdamParams& p) = 0;
  virtual void doSgdUpdate(Tensor& param, const Tensor& grad, Tensor& velocity,
                           const SgdParams& p) = 0;
};

/** Convenience: host copy of a float tensor. */
std::vector<float> toHost(Backend& backend, const Tensor& t);
/** Convenience: host copy of an int32 tensor. */
std::vector<std::int32_t> toHostInt(Backend& backend, const Tensor& t);

}  // namespace moe::compute
