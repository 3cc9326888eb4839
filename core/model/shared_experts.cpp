#include "core/model/shared_experts.h"

namespace moe::core {

using compute::DType;

SharedExperts::SharedExperts(compute::Backend& backend, int count, int in, int hidden, int out,
                             compute::Activation act, std::mt19937_64& rng)
    : mBackend(backend),
      mCount(count),
      mOut(out),
      mBank(backend, count, in, hidden, out, act, rng, "shared") {}

void SharedExperts::buildIndex(int rows) {
  if (rows == mRows) return;
  mRows = rows;
  // Slot s * rows + r is row r for shared expert s; row r sums its count slots.
  mOffsets.resize(std::size_t(mCount) + 1);
  for (int s = 0; s <= mCount; ++s) mOffsets[std::size_t(s)] = s * rows;
  const int slots = mCount * rows;
  mIdxHost.resize(std::size_t(slots));
  mSlotsHost.resize(std::size_t(slots));
  mPtrHost.resize(std::size_t(rows) + 1);
  for (int s = 0; s < mCount; ++s)
    for (int r = 0; r < rows; ++r) {
      mIdxHost[std::size_t(s * rows + r)] = r;
      mSlotsHost[std::size_t(r * mCount + s)] = s * rows + r;
    }
  for (int r = 0; r <= rows; ++r) mPtrHost[std::size_t(r)] = r * mCount;
  mOnesHost.assign(std::size_t(slots), 1.0f);
  mIdx = mIdxS.get(mBackend, slots, 1, DType::I32);
  mSlots = mSlotsS.get(mBackend, slots, 1, DType::I32);
  mPtr = mPtrS.get(mBackend, rows + 1, 1, DType::I32);
  mOnes = mOnesS.get(mBackend, slots, 1);
  mBackend.write(mIdx, std::span<const std::int32_t>(mIdxHost));
  mBackend.write(mSlots, std::span<const std::int32_t>(mSlotsHost));
  mBackend.write(mPtr, std::span<const std::int32_t>(mPtrHost));
  mBackend.write(mOnes, std::span<const float>(mOnesHost));
}

void SharedExperts::forwardAdd(const compute::Tensor& x, compute::Tensor& y) {
  const int rows = x.rows();
  buildIndex(rows);
  compute::Tensor xs = mXsS.get(mBackend, mCount * rows, x.cols());
  mBackend.gatherRows(x, mIdx, xs);
  mYs = mBank.forward(xs, mOffsets);
  mBackend.combineRows(mYs, mPtr, mSlots, mOnes, 1.0f, y);
}

void SharedExperts::backward(const compute::Tensor& dy, compute::Tensor* dx) {
  const int slots = mCount * mRows;
  compute::Tensor dys = mDysS.get(mBackend, slots, mOut);
  mBackend.gatherRows(dy, mIdx, dys);
  if (!dx) {
    mBank.backward(dys, nullptr);
    return;
  }
  compute::Tensor dxs = mDxsS.get(mBackend, slots, dx->cols());
  mBank.backward(dys, &dxs);
  mBackend.combineRows(dxs, mPtr, mSlots, mOnes, 1.0f, *dx);
}

std::vector<float> SharedExperts::output(int s, int r) const {
  const auto all = compute::toHost(mBackend, mYs);
  const auto at = all.begin() + std::ptrdiff_t(s * mRows + r) * mOut;
  return std::vector<float>(at, at + mOut);
}

}  // namespace moe::core
