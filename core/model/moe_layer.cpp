#include "core/model/moe_layer.h"

#include "core/parallel/expert_exchange.h"

namespace moe::core {

using compute::DType;

namespace {

/** What the router sees with fine-grained experts: m times the experts and m times k. */
ModelConfig routedConfig(const ModelConfig& c) {
  ModelConfig r = c;
  r.experts = c.routedExperts();
  r.topK = c.routedTopK();
  r.expertHidden = c.routedHidden();
  return r;
}

}  // namespace

MoeLayer::MoeLayer(compute::Backend& backend, int in, int out, const ModelConfig& config,
                   std::mt19937_64& rng)
    : mBackend(backend),
      mIn(in),
      mOut(out),
      mRouter(backend, in, routedConfig(config), rng),
      mExperts(backend, config.routedExperts(), in, config.routedHidden(), out, config.activation,
               rng),
      mPlan(&mRouter.gating().plan()) {
  // Drawn after the routed experts, so runs without shared experts are unchanged.
  if (config.sharedExperts > 0)
    mShared = std::make_unique<SharedExperts>(backend, config.sharedExperts, in,
                                              config.routedHidden(), out, config.activation, rng);
}

const compute::Tensor& MoeLayer::forward(const compute::Tensor& x, bool training,
                                         const LossConfig& loss, std::uint64_t noiseSeed,
                                         std::uint64_t step, const RowTokens& tokens) {
  const DispatchPlan& plan = mRouter.route(x, training, noiseSeed, step, tokens);
  mAux = mRouter.aux(loss);
  mExchanged = mExchange && training;
  if (mExchanged) {
    mX = x;
    mPlan = &plan;
    mY = mExchange->forward(x, plan, mExperts);
  } else {
    forwardPlan(x, plan);
  }
  if (mShared) mShared->forwardAdd(x, mY);
  return mY;
}

const compute::Tensor& MoeLayer::forwardPlan(const compute::Tensor& x, const DispatchPlan& plan) {
  mX = x;
  mPlan = &plan;
  const int slots = plan.slots(), rows = x.rows();
  // The plan crosses to the device once per layer and step: a few KB of indices and gates.
  mRowPtr = mRowPtrS.get(mBackend, rows + 1, 1, DType::I32);
  const int links = int(plan.rowSlots.size());  // = slots, unless slots serve many rows
  mRowSlots = mRowSlotsS.get(mBackend, links, 1, DType::I32);
  mRowGates = mRowGatesS.get(mBackend, links, 1);
  compute::Tensor xe = mXeS.get(mBackend, slots, mIn);
  if (!plan.weighted()) {
    mSlotRow = mSlotRowS.get(mBackend, slots, 1, DType::I32);
    mBackend.write(mSlotRow, std::span<const std::int32_t>(plan.slotRow));
  }
  mBackend.write(mRowPtr, std::span<const std::int32_t>(plan.rowPtr));
  mBackend.write(mRowSlots, std::span<const std::int32_t>(plan.rowSlots));
  mBackend.write(mRowGates, std::span<const float>(plan.rowGates));
  if (!plan.weighted()) {
    mBackend.gatherRows(x, mSlotRow, xe);
  } else {
    // A slot's input is a weighted sum of rows: the combine op with x as the source.
    const int nnz = plan.slotInPtr.back();
    mInPtr = mInPtrS.get(mBackend, slots + 1, 1, DType::I32);
    mInRows = mInRowsS.get(mBackend, nnz, 1, DType::I32);
    mInWeights = mInWeightsS.get(mBackend, nnz, 1);
    mBackend.write(mInPtr, std::span<const std::int32_t>(plan.slotInPtr));
    mBackend.write(mInRows, std::span<const std::int32_t>(plan.slotInRows));
    mBackend.write(mInWeights, std::span<const float>(plan.slotInWeights));
    mBackend.combineRows(x, mInPtr, mInRows, mInWeights, 0.0f, xe);
  }
  mYe = mExperts.forward(xe, plan.offsets);
  mY = mYS.get(mBackend, rows, mOut);
  mBackend.combineRows(mYe, mRowPtr, mRowSlots, mRowGates, 0.0f, mY);
  return mY;
}

void MoeLayer::backward(const compute::Tensor& dy, compute::Tensor* dx, float dxBeta) {
  if (mExchanged) {
    mDRowGates = mExchange->backward(dy, dx, dxBeta, mExperts);
    mDSlotWeights.clear();
  } else {
    backwardPlan(dy, dx, dxBeta);
  }
  // A router that builds weighted slots (Soft MoE) also takes slotWeightGrads() back to its
  // logits.
  mRouter.backward(mDRowGates, dx, dx ? 1.0f : 0.0f, &mDSlotWeights);
  if (mShared) mShared->backward(dy, dx);
}

void MoeLayer::backwardPlan(const compute::Tensor& dy, compute::Tensor* dx, float dxBeta) {
  const DispatchPlan& plan = *mPlan;
  if (plan.weighted()) return backwardWeighted(dy, dx, dxBeta);
  const int slots = plan.slots();
  compute::Tensor dye = mDyeS.get(mBackend, slots, mOut);
  compute::Tensor dGate = mDGateS.get(mBackend, slots, 1);
  mBackend.combineRowsBackward(dy, mYe, mRowPtr, mRowSlots, mRowGates, dye, dGate);
  mDRowGates.resize(std::size_t(slots));
  mBackend.read(dGate, std::span<float>(mDRowGates));
  mDSlotWeights.clear();
  if (!dx) {
    mExperts.backward(dye, nullptr);
    return;
  }
  compute::Tensor dxe = mDxeS.get(mBackend, slots, mIn);
  mExperts.backward(dye, &dxe);
  // Scatter each slot's input gradient back to its row: a combine with unit weights.
  if (mOnes.size() != std::size_t(slots)) mOnes.assign(std::size_t(slots), 1.0f);
  compute::Tensor ones = mOnesS.get(mBackend, slots, 1);
  mBackend.write(ones, std::span<const float>(mOnes));
  mBackend.combineRows(dxe, mRowPtr, mRowSlots, ones, dxBeta, *dx);
}

namespace {

/** Host dot products out[j] = <a[i(j)], b[k(j)]> over CSR links: row i owns [ptr[i], ptr[i+1]),
 *  k = idx[j]; a and b have `cols` columns. */
std::vector<float> linkDots(const std::vector<std::int32_t>& ptr,
                            const std::vector<std::int32_t>& idx, const std::vector<float>& a,
                            const std::vector<float>& b, int cols) {
  std::vector<float> out(idx.size());
  for (std::size_t i = 0; i + 1 < ptr.size(); ++i)
    for (int j = ptr[i]; j < ptr[i + 1]; ++j) {
      double d = 0.0;
      for (int c = 0; c < cols; ++c)
        d += double(a[i * std::size_t(cols) + std::size_t(c)]) *
             b[std::size_t(idx[std::size_t(j)]) * std::size_t(cols) + std::size_t(c)];
      out[std::size_t(j)] = float(d);
    }
  return out;
}

}  // namespace

void MoeLayer::backwardWeighted(const compute::Tensor& dy, compute::Tensor* dx, float dxBeta) {
  // The general form: slots may mix rows and serve many rows, so both directions are
  // combines with transposed CSRs, and weight gradients are dot products on the host.
  const DispatchPlan& plan = *mPlan;
  const int slots = plan.slots(), rows = mX.rows();
  const auto dyHost = compute::toHost(mBackend, dy), yeHost = compute::toHost(mBackend, mYe);
  mDRowGates = linkDots(plan.rowPtr, plan.rowSlots, dyHost, yeHost, mOut);
  compute::Tensor dye = mDyeS.get(mBackend, slots, mOut);
  mTransposeA.build(mBackend, plan.rowPtr, plan.rowSlots, plan.rowGates, slots);
  mBackend.combineRows(dy, mTransposeA.ptr, mTransposeA.idx, mTransposeA.weight, 0.0f, dye);
  compute::Tensor dxe = mDxeS.get(mBackend, slots, mIn);
  mExperts.backward(dye, &dxe);
  const auto dxeHost = compute::toHost(mBackend, dxe), xHost = compute::toHost(mBackend, mX);
  mDSlotWeights = linkDots(plan.slotInPtr, plan.slotInRows, dxeHost, xHost, mIn);
  if (!dx) return;
  mTransposeB.build(mBackend, plan.slotInPtr, plan.slotInRows, plan.slotInWeights, rows);
  mBackend.combineRows(dxe, mTransposeB.ptr, mTransposeB.idx, mTransposeB.weight, dxBeta, *dx);
}

void MoeLayer::DeviceCsr::build(compute::Backend& backend, const std::vector<std::int32_t>& ptr,
                                const std::vector<std::int32_t>& idx, const std::vector<float>& w,
                                int targets) {
  std::vector<std::int32_t> tPtr(std::size_t(targets) + 1, 0), tIdx(idx.size());
  std::vector<float> tW(idx.size());
  for (std::int32_t k : idx) ++tPtr[std::size_t(k) + 1];
  for (int t = 0; t < targets; ++t) tPtr[std::size_t(t) + 1] += tPtr[std::size_t(t)];
  std::vector<std::int32_t> fill(tPtr.begin(), tPtr.end() - 1);
  for (std::size_t i = 0; i + 1 < ptr.size(); ++i)
    for (int j = ptr[i]; j < ptr[i + 1]; ++j) {
      const auto k = std::size_t(fill[std::size_t(idx[std::size_t(j)])]++);
      tIdx[k] = std::int32_t(i);
      tW[k] = w[std::size_t(j)];
    }
  this->ptr = ptrS.get(backend, targets + 1, 1, compute::DType::I32);
  this->idx = idxS.get(backend, int(idx.size()), 1, compute::DType::I32);
  weight = weightS.get(backend, int(idx.size()), 1);
  backend.write(this->ptr, std::span<const std::int32_t>(tPtr));
  backend.write(this->idx, std::span<const std::int32_t>(tIdx));
  backend.write(weight, std::span<const float>(tW));
}

std::vector<Parameter*> MoeLayer::parameters() {
  auto p = mRouter.parameters();
  for (Parameter* q : mExperts.parameters()) p.push_back(q);
  if (mShared)
    for (Parameter* q : mShared->parameters()) p.push_back(q);
  return p;
}

long MoeLayer::paramCount() const {
  const long shared = mShared ? mShared->paramsPerExpert() * mShared->count() : 0;
  return mRouter.paramCount() + mExperts.paramsPerExpert() * mExperts.experts() + shared;
}

long MoeLayer::activeParamsPerRow() const {
  const long shared = mShared ? mShared->paramsPerExpert() * mShared->count() : 0;
  return mRouter.paramCount() + mExperts.paramsPerExpert() * mRouter.expertsPerRow() + shared;
}

double MoeLayer::flopsPerRow() const {
  return 2.0 * double(activeParamsPerRow()) + 2.0 * double(mRouter.expertsPerRow()) * mOut;
}

}  // namespace moe::core
