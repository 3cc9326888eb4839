#include "core/model/moe_layer.h"

namespace moe::core {

using compute::DType;

MoeLayer::MoeLayer(compute::Backend& backend, int in, int out, const ModelConfig& config,
                   std::mt19937_64& rng)
    : mBackend(backend),
      mIn(in),
      mOut(out),
      mK(config.topK),
      mKind(config.router),
      mRouter(backend, in, config, rng),
      mExperts(backend, config.experts, in, config.expertHidden, out, config.activation, rng) {}

const compute::Tensor& MoeLayer::forward(const compute::Tensor& x, bool training,
                                         const LossConfig& loss, std::uint64_t noiseSeed,
                                         std::uint64_t noiseCounter) {
  mX = x;
  const DispatchPlan& plan = mRouter.route(x, training, noiseSeed, noiseCounter);
  mAux = mRouter.aux(loss);
  const int slots = plan.slots(), rows = x.rows();
  // The plan crosses to the device once per layer and step: a few KB of indices and gates.
  mSlotRow = mSlotRowS.get(mBackend, slots, 1, DType::I32);
  mRowPtr = mRowPtrS.get(mBackend, rows + 1, 1, DType::I32);
  mRowSlots = mRowSlotsS.get(mBackend, slots, 1, DType::I32);
  mRowGates = mRowGatesS.get(mBackend, slots, 1);
  mBackend.write(mSlotRow, std::span<const std::int32_t>(plan.slotRow));
  mBackend.write(mRowPtr, std::span<const std::int32_t>(plan.rowPtr));
  mBackend.write(mRowSlots, std::span<const std::int32_t>(plan.rowSlots));
  mBackend.write(mRowGates, std::span<const float>(plan.rowGates));

  compute::Tensor xe = mXeS.get(mBackend, slots, mIn);
  mBackend.gatherRows(x, mSlotRow, xe);
  mYe = mExperts.forward(xe, plan.offsets);
  mY = mYS.get(mBackend, rows, mOut);
  mBackend.combineRows(mYe, mRowPtr, mRowSlots, mRowGates, 0.0f, mY);
  return mY;
}

void MoeLayer::backward(const compute::Tensor& dy, compute::Tensor* dx, float dxBeta) {
  const DispatchPlan& plan = this->plan();
  const int slots = plan.slots();
  compute::Tensor dye = mDyeS.get(mBackend, slots, mOut);
  compute::Tensor dGate = mDGateS.get(mBackend, slots, 1);
  mBackend.combineRowsBackward(dy, mYe, mRowPtr, mRowSlots, mRowGates, dye, dGate);
  mDRowGates.resize(std::size_t(slots));
  mBackend.read(dGate, std::span<float>(mDRowGates));
  if (dx) {
    compute::Tensor dxe = mDxeS.get(mBackend, slots, mIn);
    mExperts.backward(dye, &dxe);
    // Scatter each slot's input gradient back to its row: a combine with unit weights.
    if (mOnes.size() != std::size_t(slots)) mOnes.assign(std::size_t(slots), 1.0f);
    compute::Tensor ones = mOnesS.get(mBackend, slots, 1);
    mBackend.write(ones, std::span<const float>(mOnes));
    mBackend.combineRows(dxe, mRowPtr, mRowSlots, ones, dxBeta, *dx);
    mRouter.backward(mDRowGates, dx, 1.0f);
  } else {
    mExperts.backward(dye, nullptr);
    mRouter.backward(mDRowGates, nullptr, 0.0f);
  }
}

std::vector<Parameter*> MoeLayer::parameters() {
  auto p = mRouter.parameters();
  for (Parameter* q : mExperts.parameters()) p.push_back(q);
  return p;
}

long MoeLayer::paramCount() const {
  return mRouter.paramCount() + mExperts.paramsPerExpert() * mExperts.experts();
}

long MoeLayer::activeParamsPerRow() const {
  const int used = mKind == RouterKind::Dense ? mExperts.experts()
                   : mKind == RouterKind::Switch ? 1
                                                 : mK;
  return mRouter.paramCount() + mExperts.paramsPerExpert() * used;
}

}  // namespace moe::core
