#pragma once
/** @file Expert-parallel training of one Session over the ranks of a Communicator. */
#include <chrono>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/model/model.h"
#include "core/parallel/communicator.h"
#include "core/parallel/expert_exchange.h"
#include "core/task/task.h"

namespace moe::core {

class Optimizer;

/**
 * What Session asks of the ranks in a training step (docs/SCALING.md has the whole picture):
 *
 *  - each rank takes a contiguous shard of the batch's rows (beginStep);
 *  - the router routes the whole batch on every rank from gathered logits (RouterShard), so
 *    capacity, drops and Expert Choice's picks are the one-process ones; its gate, like the
 *    rest of the model outside the experts (stem, head, shared experts), is data-parallel.
 *    The gate, stem and head gather the rows their weight gradients read (RowGather, which
 *    this class implements) and run the one-process GEMM on every rank: the one-process bits.
 *    reduceGradients() sums the rest (shared experts) over the ranks, in rank order;
 *  - the MoE layer dispatches and combines through ExpertExchange: each rank runs and updates
 *    only its E/R experts (every rank allocates all E, so that initialisation draws what one
 *    process draws; the others' copies are refreshed by syncExperts() before an evaluation or
 *    a checkpoint);
 *  - the task loss is the whole batch's mean: each rank scales its shard's gradient by its
 *    share of the rows (globalLoss).
 *
 * Supported: the image / feature classifiers (moe and stem-moe models) with routers that
 * decide from the logits (not noisy-topk, hash or soft-moe, which read the gate's input).
 */
class ExpertParallel final : public RowGather {
 public:
  /** Checks that `model` can be trained this way (ParallelError naming the problem) and
   *  attaches the exchange to its MoE layer. `comm`, `model` and `backend` must outlive it. */
  ExpertParallel(Communicator& comm, Model& model, const TrainConfig& config,
                 compute::Backend& backend);
  ~ExpertParallel() override;

  /** Starts a step of `rows` rows: this rank's rows are [first, second). */
  std::pair<int, int> beginStep(int rows);
  /** Makes `loss` of this rank's `batch` (model output `out`) the whole batch's: the
   *  gradient of the mean over every row of the batch (cross-entropy, recomputed with the
   *  batch's 1 / rows: the one-process bits), the loss and metric averaged over every row (the
   *  same bits on every rank). */
  void globalLoss(TaskLoss& loss, const Batch& batch, const compute::Tensor& out);
  /** The whole batch as far as routing statistics read it (labels; no tensor). */
  Batch routingBatch(const Dataset& train, std::span<const std::int32_t> indices) const;
  /** Sums the gradients of the parameters outside the expert bank that no gather made whole
   *  (shared experts) over the ranks; ends the step's gathers. */
  void reduceGradients();
  /** RowGather: this rank's rows of a step's batch to every rank (counted as sync traffic). */
  compute::Tensor gather(const compute::Tensor& mine, Scratch& into) override;
  /** Per-expert diagnostics measured on this rank: each expert's values from its rank. */
  void ownerNorms(StepMetrics& m);
  /** Fills the step's traffic and timing metrics (collective). */
  void finishStep(StepMetrics& m);
  /** Copies every expert's weights (and, with `optimizer`, its moments) from its rank to all
   *  (collective), so that any rank can evaluate or save the whole model. */
  void syncExperts(Optimizer* optimizer = nullptr);

  int rank() const { return mComm.rank(); }
  int ranks() const { return mComm.size(); }
  /** Ranks, placement and the per-step means of traffic and time, for moe-train's summary. */
  nlohmann::json summary() const;

 private:
  void syncBlocks(compute::Tensor& t);
  /** Counts an all-gather of this rank's `bytes` (to every other rank) as sync traffic. */
  void countGather(double bytes);
  /** Counts a Communicator::sum of `doubles` values as sync traffic. */
  void countSum(std::size_t doubles);


  Communicator& mComm;
  compute::Backend& mBackend;
  MoeLayer& mMoe;
  int mExperts;
  std::unique_ptr<ExpertExchange> mExchange;
  RouterShard mShard;
  std::vector<int> mRowStarts;
  Scratch mLabelsS;
  std::vector<Parameter*> mReplicated;  ///< data-parallel: gradients summed over the ranks
  std::vector<Linear*> mGathered;       ///< data-parallel: whole-batch gradients from gathers
  bool mInStep = false;                 ///< between beginStep and reduceGradients
  std::vector<double> mSyncBytes;       ///< this step's sync bytes per destination rank
  std::chrono::steady_clock::time_point mStepStart;
  double mSyncSeconds = 0.0;
  // Running sums over the steps, for summary().
  long mSteps = 0;
  std::vector<double> mBytesSum, mSyncBytesSum;
  double mA2aSum = 0.0, mSyncSum = 0.0, mComputeSum = 0.0;
};

}  // namespace moe::core
