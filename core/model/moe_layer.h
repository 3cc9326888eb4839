#pragma once
/** @file One Mixture-of-Experts layer: route, dispatch (gather), experts, combine. */
#include <memory>

#include "core/model/expert_bank.h"
#include "core/model/shared_experts.h"
#include "core/routing/router.h"

namespace moe::core {

class ExpertExchange;

/**
 * y = sum over the experts chosen for a row of gate * expert(slot input), where a slot's
 * input is one row, or a weighted mix of rows (see DispatchPlan). A row with no expert
 * (dropped or unchosen) gets y = 0.
 *
 * DeepSeekMoE's settings: with ModelConfig::expertSplit m the layer has experts * m routed
 * experts of width expertHidden / m and routes each row to topK * m of them (the same active
 * parameters); with sharedExperts S every row also goes through S always-on experts of that
 * width, added with weight 1 (forward/backward only; forwardPlan runs the routed experts).
 */
class MoeLayer {
 public:
  MoeLayer(compute::Backend& backend, int in, int out, const ModelConfig& config,
           std::mt19937_64& rng);

  /** Routes and runs x (rows x in); returns y (rows x out). Computes the auxiliary losses.
   *  `tokens`: the rows' token ids and positions where the model has them. */
  const compute::Tensor& forward(const compute::Tensor& x, bool training, const LossConfig& loss,
                                 std::uint64_t noiseSeed, std::uint64_t step,
                                 const RowTokens& tokens = {});
  /** Backward from dy; fills parameter gradients; dx = dxBeta * dx + d/dx when dx given. */
  void backward(const compute::Tensor& dy, compute::Tensor* dx, float dxBeta);

  /** Runs the experts on a given plan, without routing: dispatch, experts, combine. `plan`
   *  must stay alive until backwardPlan. For hand-made plans (tests, analyses). */
  const compute::Tensor& forwardPlan(const compute::Tensor& x, const DispatchPlan& plan);
  /** Backward of forwardPlan: expert gradients, dx (as in backward), rowGateGrads() and, for
   *  a weighted plan, slotWeightGrads(). The router's parameters are not touched. */
  void backwardPlan(const compute::Tensor& dy, compute::Tensor* dx, float dxBeta);
  /** d loss / d plan().rowGates, from the last backward. */
  const std::vector<float>& rowGateGrads() const { return mDRowGates; }
  /** d loss / d plan().slotInWeights (weighted plans), from the last backward. */
  const std::vector<float>& slotWeightGrads() const { return mDSlotWeights; }

  /** Expert parallelism (core/parallel/expert_exchange.h): training steps dispatch to and
   *  combine from the experts' ranks through `exchange` (nullptr: all experts are local).
   *  Evaluation and inspection always run every expert here. */
  void setExchange(ExpertExchange* exchange) { mExchange = exchange; }

  const DispatchPlan& plan() const { return *mPlan; }
  const std::vector<float>& probs() const { return mRouter.gating().probs(); }
  const AuxLosses& auxLosses() const { return mAux; }
  /** Expert outputs of the last forward, one row per slot. */
  const compute::Tensor& expertOutputs() const { return mYe; }

  int inputs() const { return mIn; }
  int outputs() const { return mOut; }
  Router& router() { return mRouter; }
  ExpertBank& experts() { return mExperts; }
  /** The always-on shared experts; nullptr when there are none. */
  SharedExperts* shared() { return mShared.get(); }
  std::vector<Parameter*> parameters();
  long paramCount() const;
  long activeParamsPerRow() const;  ///< router + the experts a row uses on average
  /** Forward FLOPs of one routed row: 2 per active weight (the router's gate included), plus the
   *  gated combine (2 per output per chosen expert). Softmax and top-k are not counted. */
  double flopsPerRow() const;

 private:
  /** A CSR transposed on the host and put on the device: for each target, its (source,
   *  weight) links. */
  struct DeviceCsr {
    Scratch ptrS, idxS, weightS;
    compute::Tensor ptr, idx, weight;
    void build(compute::Backend& backend, const std::vector<std::int32_t>& ptr,
               const std::vector<std::int32_t>& idx, const std::vector<float>& w, int targets);
  };
  void backwardWeighted(const compute::Tensor& dy, compute::Tensor* dx, float dxBeta);

  compute::Backend& mBackend;
  int mIn, mOut;
  Router mRouter;
  ExpertBank mExperts;
  std::unique_ptr<SharedExperts> mShared;
  const DispatchPlan* mPlan;
  ExpertExchange* mExchange = nullptr;
  bool mExchanged = false;  ///< the last forward went through mExchange
  AuxLosses mAux;
  compute::Tensor mX, mYe, mY;
  Scratch mSlotRowS, mRowPtrS, mRowSlotsS, mRowGatesS, mOnesS, mXeS, mYS, mDyeS, mDxeS, mDGateS;
  Scratch mInPtrS, mInRowsS, mInWeightsS;
  DeviceCsr mTransposeA, mTransposeB;  // weighted plans: combine and dispatch, transposed
  compute::Tensor mSlotRow, mRowPtr, mRowSlots, mRowGates;
  compute::Tensor mInPtr, mInRows, mInWeights;
  std::vector<float> mDRowGates, mDSlotWeights, mOnes;
};

}  // namespace moe::core
