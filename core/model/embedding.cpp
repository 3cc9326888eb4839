#include "core/model/embedding.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

namespace moe::core {

using compute::DType;

Embedding::Embedding(compute::Backend& backend, const std::string& name, int rows, int dim,
                     float bound, std::mt19937_64& rng)
    : mBackend(backend),
      mRows(rows),
      mDim(dim),
      mTable(makeParameter(backend, name, rows, dim, bound, rng)) {
  // The dense grad makeParameter allocated is replaced by a row-sparse one.
  mTable.sparse = true;
  mTable.grad = mGradS.get(backend, 0, dim);
  mTable.rows = mURowsS.get(backend, 0, 1, DType::I32);
}

void Embedding::forward(std::span<const std::int32_t> bagPtr, std::span<const std::int32_t> ids,
                        std::span<const float> weights, compute::Tensor& out) {
  if (bagPtr.empty() || std::size_t(bagPtr.back()) != ids.size() || ids.size() != weights.size())
    throw std::invalid_argument("Embedding::forward: inconsistent bag CSR");
  for (const std::int32_t id : ids)
    if (id < 0 || id >= mRows)
      throw std::out_of_range("embedding id " + std::to_string(id) + " outside [0, " +
                              std::to_string(mRows) + ")");
  mBagPtr.assign(bagPtr.begin(), bagPtr.end());
  mIds.assign(ids.begin(), ids.end());
  mWeights.assign(weights.begin(), weights.end());
  const int bags = int(bagPtr.size()) - 1, nnz = int(ids.size());
  compute::Tensor ptr = mPtrS.get(mBackend, bags + 1, 1, DType::I32);
  compute::Tensor idT = mIdsS.get(mBackend, nnz, 1, DType::I32);
  compute::Tensor wT = mWS.get(mBackend, nnz, 1);
  mBackend.write(ptr, bagPtr);
  if (nnz > 0) {
    mBackend.write(idT, ids);
    mBackend.write(wT, weights);
  }
  mBackend.combineRows(mTable.value, ptr, idT, wT, 0.0f, out);
}

void Embedding::backward(const compute::Tensor& dOut) {
  const int bags = int(mBagPtr.size()) - 1, nnz = int(mIds.size());
  mBagOf.resize(std::size_t(nnz));
  for (int b = 0; b < bags; ++b)
    for (int j = mBagPtr[std::size_t(b)]; j < mBagPtr[std::size_t(b) + 1]; ++j)
      mBagOf[std::size_t(j)] = b;
  // Positions grouped by id, in position order within an id: a fixed summation order.
  mOrder.resize(std::size_t(nnz));
  std::iota(mOrder.begin(), mOrder.end(), 0);
  std::stable_sort(mOrder.begin(), mOrder.end(), [&](std::int32_t a, std::int32_t b) {
    return mIds[std::size_t(a)] < mIds[std::size_t(b)];
  });
  mUniq.clear();
  mUniqPtr.assign(1, 0);
  mUniqBag.resize(std::size_t(nnz));
  mUniqWeight.resize(std::size_t(nnz));
  for (int k = 0; k < nnz; ++k) {
    const std::int32_t j = mOrder[std::size_t(k)];
    if (k == 0 || mIds[std::size_t(j)] != mUniq.back()) {
      if (k > 0) mUniqPtr.push_back(k);
      mUniq.push_back(mIds[std::size_t(j)]);
    }
    mUniqBag[std::size_t(k)] = mBagOf[std::size_t(j)];
    mUniqWeight[std::size_t(k)] = mWeights[std::size_t(j)];
  }
  if (nnz > 0) mUniqPtr.push_back(nnz);
  const int u = int(mUniq.size());
  mTable.rows = mURowsS.get(mBackend, u, 1, DType::I32);
  mTable.grad = mGradS.get(mBackend, u, mDim);
  if (u == 0) return;
  mBackend.write(mTable.rows, std::span<const std::int32_t>(mUniq));
  compute::Tensor ptr = mUPtrS.get(mBackend, u + 1, 1, DType::I32);
  compute::Tensor bag = mUBagS.get(mBackend, nnz, 1, DType::I32);
  compute::Tensor w = mUWS.get(mBackend, nnz, 1);
  mBackend.write(ptr, std::span<const std::int32_t>(mUniqPtr));
  mBackend.write(bag, std::span<const std::int32_t>(mUniqBag));
  mBackend.write(w, std::span<const float>(mUniqWeight));
  mBackend.combineRows(dOut, ptr, bag, w, 0.0f, mTable.grad);
  if (mL2 > 0.0f) {
    // grad[k] += 2 lambda count_k / bags * table[uniq[k]]: a combine of the table's rows.
    mIdentity.resize(std::size_t(u) + 1);
    std::iota(mIdentity.begin(), mIdentity.end(), 0);
    mL2Weight.resize(std::size_t(u));
    for (int k = 0; k < u; ++k) {
      const std::size_t row = std::size_t(mUniq[std::size_t(k)]);
      const float n = row < mRowCounts.size() ? std::max(1.0f, mRowCounts[row]) : 1.0f;
      const float occurrences = float(mUniqPtr[std::size_t(k) + 1] - mUniqPtr[std::size_t(k)]);
      mL2Weight[std::size_t(k)] = 2.0f * mL2 * occurrences / (float(std::max(1, bags)) * n);
    }
    compute::Tensor idPtr = mIdPtrS.get(mBackend, u + 1, 1, DType::I32);
    compute::Tensor l2w = mL2WS.get(mBackend, u, 1);
    mBackend.write(idPtr, std::span<const std::int32_t>(mIdentity));
    mBackend.write(l2w, std::span<const float>(mL2Weight));
    mBackend.combineRows(mTable.value, idPtr, mTable.rows, l2w, 1.0f, mTable.grad);
  }
}

void SegmentMeanPool::forward(const compute::Tensor& x, std::span<const std::int32_t> segPtr,
                              compute::Tensor& out) {
  const int segments = int(segPtr.size()) - 1, rows = segPtr.empty() ? 0 : segPtr.back();
  if (segments < 0 || rows != x.rows())
    throw std::invalid_argument("SegmentMeanPool::forward: segments do not cover x");
  mX = x;
  mSlotHost.resize(std::size_t(rows));
  mWeightHost.resize(std::size_t(rows));
  for (int s = 0; s < segments; ++s) {
    const int b = segPtr[std::size_t(s)], e = segPtr[std::size_t(s) + 1];
    for (int r = b; r < e; ++r) {
      mSlotHost[std::size_t(r)] = r;
      mWeightHost[std::size_t(r)] = 1.0f / float(e - b);
    }
  }
  mPtr = mPtrS.get(mBackend, segments + 1, 1, DType::I32);
  mSlot = mSlotS.get(mBackend, rows, 1, DType::I32);
  mWeight = mWeightS.get(mBackend, rows, 1);
  mBackend.write(mPtr, segPtr);
  if (rows > 0) {
    mBackend.write(mSlot, std::span<const std::int32_t>(mSlotHost));
    mBackend.write(mWeight, std::span<const float>(mWeightHost));
  }
  mBackend.combineRows(x, mPtr, mSlot, mWeight, 0.0f, out);
}

void SegmentMeanPool::backward(const compute::Tensor& dOut, compute::Tensor& dx) {
  if (mX.rows() == 0) return;
  compute::Tensor dWeight = mDWeightS.get(mBackend, mX.rows(), 1);
  mBackend.combineRowsBackward(dOut, mX, mPtr, mSlot, mWeight, dx, dWeight);
}

}  // namespace moe::core
