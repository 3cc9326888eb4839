#pragma once
/** @file Embedding tables with weighted bags of rows, a row-sparse gradient, and the segment
 *  mean pool that turns token rows into one row per text. Forward and backward as pairs. */
#include <cstdint>
#include <span>
#include <vector>

#include "core/model/parameter.h"

namespace moe::core {

/**
 * A rows x dim table. forward() sums weighted rows into bags: bag b is the CSR range
 * [bagPtr[b], bagPtr[b+1]) of (ids, weights); an empty bag gives a zero row. A plain lookup is
 * a bag of one id with weight 1 per output row.
 *
 * backward() writes a row-sparse gradient: table().rows lists the distinct ids of the last
 * forward (ascending) and table().grad one row for each, the sum over that id's occurrences of
 * weight * dOut[bag] in increasing position order (deterministic, no atomics: a combineRows
 * over the distinct ids). The Optimizer then updates only those rows (lazy Adam).
 */
class Embedding {
 public:
  /** Initialises the table uniformly in [-bound, bound] (0: all zeros). */
  Embedding(compute::Backend& backend, const std::string& name, int rows, int dim, float bound,
            std::mt19937_64& rng);

  /**
   * out (bags x dim) = weighted sums of table rows. The CSR lives on the host (it comes from
   * the batch); bagPtr has bags + 1 entries.
   * @throws std::out_of_range when an id is outside [0, rows).
   */
  void forward(std::span<const std::int32_t> bagPtr, std::span<const std::int32_t> ids,
               std::span<const float> weights, compute::Tensor& out);
  /** Row-sparse gradient of the table from dOut (bags x dim) of the last forward. */
  void backward(const compute::Tensor& dOut);

  /**
   * Adds the gradient of an L2 penalty to backward: each occurrence of a row in a batch adds
   * lambda * |row|^2 / (bags * n_row), n_row = rowCounts[row] (1 when rowCounts is empty or
   * the count is 0). With n_row = the row's frequency in the training data, the penalty over an
   * epoch is lambda * |row|^2 once per row whatever its frequency, a prior worth lambda samples:
   * rare rows shrink more (as in regularised least squares with a fixed ridge). 0: none.
   */
  void setL2(float lambda, std::vector<float> rowCounts = {}) {
    mL2 = lambda;
    mRowCounts = std::move(rowCounts);
  }

  Parameter& table() { return mTable; }
  int rows() const { return mRows; }
  int dim() const { return mDim; }

 private:
  compute::Backend& mBackend;
  int mRows, mDim;
  float mL2 = 0.0f;
  std::vector<float> mRowCounts;
  Parameter mTable;
  std::vector<std::int32_t> mBagPtr, mIds, mBagOf, mOrder;
  std::vector<float> mWeights;
  // Host CSR over distinct ids for backward, and its device copies.
  std::vector<std::int32_t> mUniq, mUniqPtr, mUniqBag;
  std::vector<float> mUniqWeight, mL2Weight;
  std::vector<std::int32_t> mIdentity;
  Scratch mIdPtrS, mL2WS, mPtrS, mIdsS, mWS, mUPtrS, mUBagS, mUWS, mURowsS, mGradS;
};

/**
 * Mean over the rows of each segment: out[s] = sum_{r in [segPtr[s], segPtr[s+1])} x[r] / len,
 * a combineRows with weights 1 / len (an empty segment gives a zero row). backward() is the
 * matching combineRowsBackward: dx[r] = dOut[s] / len.
 */
class SegmentMeanPool {
 public:
  explicit SegmentMeanPool(compute::Backend& backend) : mBackend(backend) {}
  /** x: rows x d with rows == segPtr.back(); out: segments x d. Keeps x for backward. */
  void forward(const compute::Tensor& x, std::span<const std::int32_t> segPtr,
               compute::Tensor& out);
  /** dx (rows x d) from dOut (segments x d). */
  void backward(const compute::Tensor& dOut, compute::Tensor& dx);

 private:
  compute::Backend& mBackend;
  compute::Tensor mX, mPtr, mSlot, mWeight;
  Scratch mPtrS, mSlotS, mWeightS, mDWeightS;
  std::vector<std::int32_t> mSlotHost;
  std::vector<float> mWeightHost;
};

}  // namespace moe::core
