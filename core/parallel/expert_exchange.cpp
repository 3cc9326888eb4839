#include "core/parallel/expert_exchange.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>

namespace moe::core {

using compute::DType;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

ExpertExchange::ExpertExchange(compute::Backend& backend, Communicator& comm, int experts, int in,
                               int out)
    : mBackend(backend),
      mComm(comm),
      mExperts(experts),
      mPerRank(experts / comm.size()),
      mIn(in),
      mOut(out) {
  if (experts % comm.size() != 0)
    throw ParallelError("expert parallelism places the same number of experts on every rank: " +
                        std::to_string(experts) + " experts do not divide among " +
                        std::to_string(comm.size()) + " ranks");
  mCounters.bytesTo.assign(std::size_t(comm.size()), 0.0);
  mCounters.syncBytesTo.assign(std::size_t(comm.size()), 0.0);
}

void ExpertExchange::setShard(std::span<const int> rowStarts) {
  mRowStarts.assign(rowStarts.begin(), rowStarts.end());
}

void ExpertExchange::plan(const DispatchPlan& p) {
  const int R = mComm.size(), me = mComm.rank();
  const int first = mRowStarts[std::size_t(me)], rows = mRowStarts[std::size_t(me) + 1] - first;
  mPlan = &p;
  mFirstLink = p.rowPtr[std::size_t(first)];
  const int links = p.rowPtr[std::size_t(first + rows)] - mFirstLink;
  // Its slots, sorted by (destination, plan slot): the order of its send buffer.
  std::vector<std::array<int, 4>> items;  // destination, slot, local row, link
  items.reserve(std::size_t(links));
  for (int r = 0; r < rows; ++r)
    for (int j = p.rowPtr[std::size_t(first + r)]; j < p.rowPtr[std::size_t(first + r) + 1]; ++j)
      items.push_back({ownerOf(p.rowExperts[std::size_t(j)]), p.rowSlots[std::size_t(j)], r, j});
  std::sort(items.begin(), items.end());
  mSendRow.resize(items.size());
  mSendRows.assign(std::size_t(R), 0);
  mLinkSlot.resize(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto& [dest, slot, row, link] = items[i];
    mSendRow[i] = row;
    ++mSendRows[std::size_t(dest)];
    mLinkSlot[std::size_t(link - mFirstLink)] = int(i);
  }
  mLinkPtr.resize(std::size_t(rows) + 1);
  for (int r = 0; r <= rows; ++r)
    mLinkPtr[std::size_t(r)] = p.rowPtr[std::size_t(first + r)] - mFirstLink;
  mLinkGate.assign(p.rowGates.begin() + mFirstLink, p.rowGates.begin() + mFirstLink + links);
  // What it receives: its experts' slots, by source rank, each source's in plan slot order.
  const int e0 = firstExpert();
  const int s0 = p.offsets[std::size_t(e0)], s1 = p.offsets[std::size_t(e0 + mPerRank)];
  auto rankOfRow = [&](int row) {
    const auto at = std::upper_bound(mRowStarts.begin(), mRowStarts.end(), row);
    return int(at - mRowStarts.begin()) - 1;
  };
  mRecvRows.assign(std::size_t(R), 0);
  for (int s = s0; s < s1; ++s) ++mRecvRows[std::size_t(rankOfRow(p.slotRow[std::size_t(s)]))];
  std::vector<int> next(std::size_t(R), 0);
  for (std::size_t q = 1; q < std::size_t(R); ++q) next[q] = next[q - 1] + mRecvRows[q - 1];
  mExpertOrder.resize(std::size_t(s1 - s0));
  for (int s = s0; s < s1; ++s)
    mExpertOrder[std::size_t(s - s0)] = next[std::size_t(rankOfRow(p.slotRow[std::size_t(s)]))]++;
  mBankOffsets.resize(std::size_t(mExperts) + 1);
  for (int e = 0; e <= mExperts; ++e)
    mBankOffsets[std::size_t(e)] = std::clamp(p.offsets[std::size_t(e)], s0, s1) - s0;
  // Per rank, its rows' combine entries: the counts of the gate-gradient gather.
  mLinkGroups.resize(std::size_t(R));
  for (int q = 0; q < R; ++q)
    mLinkGroups[std::size_t(q)] = p.rowPtr[std::size_t(mRowStarts[std::size_t(q) + 1])] -
                                  p.rowPtr[std::size_t(mRowStarts[std::size_t(q)])];
}

void ExpertExchange::exchange(const std::vector<float>& send, const std::vector<int>& sendRows,
                              std::vector<float>& recv, const std::vector<int>& recvRows,
                              int width) {
  const std::size_t R = sendRows.size();
  std::vector<int> sendCounts(R), recvCounts(R);
  std::size_t total = 0;
  for (std::size_t q = 0; q < R; ++q) {
    sendCounts[q] = sendRows[q] * width;
    recvCounts[q] = recvRows[q] * width;
    total += std::size_t(recvCounts[q]);
    mCounters.bytesTo[q] += double(sendCounts[q]) * double(sizeof(float));
  }
  recv.resize(total);
  const auto t0 = Clock::now();
  mComm.alltoallv(send, sendCounts, recv, recvCounts);
  mCounters.seconds += since(t0);
}

void ExpertExchange::permute(const std::vector<float>& from, const std::vector<int>& order,
                             int width, std::vector<float>& out) {
  const std::size_t w = std::size_t(width);
  out.resize(order.size() * w);
  for (std::size_t i = 0; i < order.size(); ++i)
    std::memcpy(out.data() + i * w, from.data() + std::size_t(order[i]) * w, w * sizeof(float));
}

void ExpertExchange::scatter(const std::vector<float>& from, const std::vector<int>& order,
                             int width, std::vector<float>& out) {
  const std::size_t w = std::size_t(width);
  out.resize(order.size() * w);
  for (std::size_t i = 0; i < order.size(); ++i)
    std::memcpy(out.data() + std::size_t(order[i]) * w, from.data() + i * w, w * sizeof(float));
}

const compute::Tensor& ExpertExchange::forward(const compute::Tensor& x, const DispatchPlan& p,
                                               ExpertBank& bank) {
  plan(p);
  const int rows = x.rows(), links = int(mSendRow.size()), mine = int(mExpertOrder.size());
  // Dispatch: its rows to the experts' ranks, unpacked into its experts' slot order.
  permute(compute::toHost(mBackend, x), mSendRow, mIn, mHostA);
  exchange(mHostA, mSendRows, mHostB, mRecvRows, mIn);
  permute(mHostB, mExpertOrder, mIn, mHostC);
  compute::Tensor xe = mXeS.get(mBackend, mine, mIn);
  mBackend.write(xe, std::span<const float>(mHostC));
  const compute::Tensor& ye = bank.forward(xe, mBankOffsets);
  // Combine: the outputs back to the rows' ranks, into its slot order, then the gates.
  scatter(compute::toHost(mBackend, ye), mExpertOrder, mOut, mHostA);
  exchange(mHostA, mRecvRows, mHostB, mSendRows, mOut);
  mYl = mYlS.get(mBackend, links, mOut);
  mBackend.write(mYl, std::span<const float>(mHostB));
  mPtr = mPtrS.get(mBackend, rows + 1, 1, DType::I32);
  mSlot = mSlotS.get(mBackend, links, 1, DType::I32);
  mGate = mGateS.get(mBackend, links, 1);
  mBackend.write(mPtr, std::span<const std::int32_t>(mLinkPtr));
  mBackend.write(mSlot, std::span<const std::int32_t>(mLinkSlot));
  mBackend.write(mGate, std::span<const float>(mLinkGate));
  mY = mYS.get(mBackend, rows, mOut);
  mBackend.combineRows(mYl, mPtr, mSlot, mGate, 0.0f, mY);
  return mY;
}

const std::vector<float>& ExpertExchange::backward(const compute::Tensor& dy, compute::Tensor* dx,
                                                   float dxBeta, ExpertBank& bank) {
  const int links = int(mSendRow.size()), mine = int(mExpertOrder.size());
  compute::Tensor dyeLocal = mDyeLS.get(mBackend, links, mOut);
  compute::Tensor dGate = mDGateS.get(mBackend, links, 1);
  mBackend.combineRowsBackward(dy, mYl, mPtr, mSlot, mGate, dyeLocal, dGate);
  // The gates' gradients of every row: each rank runs the router's backward on the batch.
  const auto t0 = Clock::now();
  mDRowGates.resize(mPlan->rowGates.size());
  mComm.allgatherv(compute::toHost(mBackend, dGate), mDRowGates, mLinkGroups);
  mCounters.syncSeconds += since(t0);
  for (int q = 0; q < mComm.size(); ++q)
    if (q != mComm.rank()) mCounters.syncBytesTo[std::size_t(q)] += 4.0 * links;
  // The slots' output gradients to the experts' ranks.
  exchange(compute::toHost(mBackend, dyeLocal), mSendRows, mHostA, mRecvRows, mOut);
  permute(mHostA, mExpertOrder, mOut, mHostB);
  // Kept until the optimizer's step, which may compute the weight gradients from it.
  mDye = mDyeS.get(mBackend, mine, mOut);
  mBackend.write(mDye, std::span<const float>(mHostB));
  if (!dx) {
    bank.backward(mDye, nullptr);
    return mDRowGates;
  }
  mDxe = mDxeS.get(mBackend, mine, mIn);
  bank.backward(mDye, &mDxe);
  // The experts' input gradients back to the rows' ranks, summed into their rows.
  scatter(compute::toHost(mBackend, mDxe), mExpertOrder, mIn, mHostA);
  exchange(mHostA, mRecvRows, mHostB, mSendRows, mIn);
  compute::Tensor dxl = mDxlS.get(mBackend, links, mIn);
  mBackend.write(dxl, std::span<const float>(mHostB));
  if (mOnes.size() != std::size_t(links)) mOnes.assign(std::size_t(links), 1.0f);
  compute::Tensor ones = mOnesS.get(mBackend, links, 1);
  mBackend.write(ones, std::span<const float>(mOnes));
  mBackend.combineRows(dxl, mPtr, mSlot, ones, dxBeta, *dx);
  return mDRowGates;
}

}  // namespace moe::core
