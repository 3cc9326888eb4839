#pragma once
/** @file One MoE layer's expert-parallel dispatch and combine: the two all-to-alls of the
 *  packed rows in forward and of their gradients in backward. */
#include <span>
#include <vector>

#include "core/model/expert_bank.h"
#include "core/parallel/communicator.h"
#include "core/routing/dispatch_plan.h"

namespace moe::core {

/** What one rank's all-to-alls moved and cost since the counters were last cleared. */
struct ExchangeCounters {
  std::vector<double> bytesTo;  ///< per destination rank, bytes this rank put in all-to-alls
  double seconds = 0.0;         ///< wall time inside the all-to-alls (waiting included)
  double syncSeconds = 0.0;     ///< wall time in the layer's other collectives (gate gradients)
  std::vector<double> syncBytesTo;  ///< per destination rank, bytes sent in those collectives
};

/**
 * Rank r holds experts [r E/R, (r+1) E/R) and rows [rowStarts[r], rowStarts[r+1]) of each
 * training batch. Every rank has the whole batch's DispatchPlan (the router routes the whole
 * batch from gathered logits, core/routing/router.h RouterShard), so each knows, without
 * asking, which of its rows go where and what it will receive:
 *
 *  - its slots (the plan's slots of its rows) are packed by destination rank, in plan slot
 *    order, and sent with one MPI_Alltoallv (in floats a row);
 *  - it unpacks what it receives into the plan's slot order of its own experts, which is
 *    exactly the one-process order of those experts' segments, and runs its experts;
 *  - the outputs go back with a second all-to-all (out floats a row) into its slot order,
 *    where the plan's gates combine them into its rows.
 *
 * Backward mirrors it: the slots' output gradients go to the experts' ranks, the experts'
 * input gradients come back (only when the layer's input needs a gradient), and the gates'
 * gradients of every row are gathered so that each rank can run the router's backward on the
 * whole batch. An expert sees the same rows in the same order as in one process, so its
 * outputs and weight gradients are the one-process ones bit for bit.
 */
class ExpertExchange {
 public:
  ExpertExchange(compute::Backend& backend, Communicator& comm, int experts, int in, int out);

  /** This step's rows per rank: rowStarts has ranks + 1 entries, from 0 to the batch size. */
  void setShard(std::span<const int> rowStarts);
  /** y (this rank's rows x out) of this rank's rows x under the whole batch's plan; runs this
   *  rank's experts of `bank` on every row routed to them. `plan` must outlive backward(). */
  const compute::Tensor& forward(const compute::Tensor& x, const DispatchPlan& plan,
                                 ExpertBank& bank);
  /** From dy (this rank's rows x out): the expert gradients of this rank's experts, dx (this
   *  rank's rows, as MoeLayer::backward), and d loss / d plan.rowGates of the whole batch. */
  const std::vector<float>& backward(const compute::Tensor& dy, compute::Tensor* dx,
                                     float dxBeta, ExpertBank& bank);

  int ownerOf(int expert) const { return expert / mPerRank; }
  int firstExpert() const { return mComm.rank() * mPerRank; }
  int expertsPerRank() const { return mPerRank; }
  ExchangeCounters& counters() { return mCounters; }

 private:
  /** Plans this step's traffic from the plan (no communication). */
  void plan(const DispatchPlan& plan);
  /** One timed, counted all-to-all of rows of `width` floats. */
  void exchange(const std::vector<float>& send, const std::vector<int>& sendRows,
                std::vector<float>& recv, const std::vector<int>& recvRows, int width);
  /** Rows of `from` (rows x width) reordered: out[i] = from[order[i]]. */
  static void permute(const std::vector<float>& from, const std::vector<int>& order, int width,
                      std::vector<float>& out);
  /** The inverse: out[order[i]] = from[i]. */
  static void scatter(const std::vector<float>& from, const std::vector<int>& order, int width,
                      std::vector<float>& out);

  compute::Backend& mBackend;
  Communicator& mComm;
  int mExperts, mPerRank, mIn, mOut;
  std::vector<int> mRowStarts;
  const DispatchPlan* mPlan = nullptr;
  int mFirstLink = 0;  ///< the plan's combine entries of this rank's rows start here

  // This rank's slots (its rows' links), ordered by destination rank, then plan slot.
  std::vector<int> mSendRow;        ///< local row of each of its slots
  std::vector<int> mSendRows;       ///< slots per destination rank
  std::vector<int> mRecvRows;       ///< rows each rank sends to this one
  std::vector<int> mExpertOrder;    ///< per slot of its experts (plan order): receive index
  std::vector<int> mBankOffsets;    ///< the bank's offsets: its experts' segments, others empty
  std::vector<int> mLinkPtr, mLinkSlot, mLinkGroups;  ///< combine CSR over its slots
  std::vector<float> mLinkGate, mOnes;

  ExchangeCounters mCounters;
  std::vector<float> mHostA, mHostB, mHostC, mDRowGates;
  Scratch mPtrS, mSlotS, mGateS, mOnesS, mXeS, mYlS, mYS, mDyeLS, mDGateS, mDyeS, mDxeS, mDxlS;
  compute::Tensor mPtr, mSlot, mGate, mYl, mY, mDye, mDxe;
};

}  // namespace moe::core
