#pragma once
/** @file One Mixture-of-Experts layer: route, dispatch (gather), experts, combine. */
#include <memory>

#include "core/model/expert_bank.h"
#include "core/routing/router.h"

namespace moe::core {

/**
 * y = sum over the experts chosen for a row of gate * expert(x_row). A row with no expert
 * (dropped or unchosen) gets y = 0; see DispatchPlan.
 */
class MoeLayer {
 public:
  MoeLayer(compute::Backend& backend, int in, int out, const ModelConfig& config,
           std::mt19937_64& rng);

  /** Routes and runs x (rows x in); returns y (rows x out). Computes the auxiliary losses. */
  const compute::Tensor& forward(const compute::Tensor& x, bool training, const LossConfig& loss,
                                 std::uint64_t noiseSeed, std::uint64_t noiseCounter);
  /** Backward from dy; fills parameter gradients; dx = dxBeta * dx + d/dx when dx given. */
  void backward(const compute::Tensor& dy, compute::Tensor* dx, float dxBeta);

  const DispatchPlan& plan() const { return mRouter.gating().plan(); }
  const std::vector<float>& probs() const { return mRouter.gating().probs(); }
  const AuxLosses& auxLosses() const { return mAux; }
  /** Expert outputs of the last forward, one row per slot. */
  const compute::Tensor& expertOutputs() const { return mYe; }

  Router& router() { return mRouter; }
  ExpertBank& experts() { return mExperts; }
  std::vector<Parameter*> parameters();
  long paramCount() const;
  long activeParamsPerRow() const;  ///< router + the experts a row uses on average

 private:
  compute::Backend& mBackend;
  int mIn, mOut, mK;
  RouterKind mKind;
  Router mRouter;
  ExpertBank mExperts;
  AuxLosses mAux;
  compute::Tensor mX, mYe, mY;
  Scratch mSlotRowS, mRowPtrS, mRowSlotsS, mRowGatesS, mOnesS, mXeS, mYS, mDyeS, mDxeS, mDGateS;
  compute::Tensor mSlotRow, mRowPtr, mRowSlots, mRowGates;
  std::vector<float> mDRowGates, mOnes;
};

}  // namespace moe::core
