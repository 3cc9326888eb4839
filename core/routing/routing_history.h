#pragma once
/** @file How each test input was routed at the last evaluations of a run: the router's top-k
 *  experts, the top-1 gate probability and the top-k margin, per row and per evaluation. Kept
 *  by the RoutingTracker (router_diagnostics.h), published with each EvalReport, read by the
 *  inspector ("Routing across evaluations"). */
#include <cstdint>
#include <memory>
#include <vector>

namespace moe::core {

/** One evaluation: per test row its k preferred experts (-1: none), top-1 gate and margin. */
struct RoutingFrame {
  long step = 0;
  int rows = 0;
  int k = 0;
  std::vector<std::int32_t> experts;  ///< rows x k, first choice first
  std::vector<float> topGate;         ///< per row, the gate probability of the first choice
  std::vector<float> margin;          ///< per row, the top-k margin (NaN: nothing rejected)
};

/** One row of a routing history query: an evaluation's step and how the row was routed. */
struct RoutingHistoryEntry {
  long step = 0;
  std::vector<std::int32_t> experts;  ///< the k preferred experts, first choice first
  float topGate = 0.0f;               ///< gate probability of the first choice
  float margin = 0.0f;                ///< top-k margin (NaN when no expert was rejected)
};

/**
 * The frames of the last `depth()` evaluations, oldest first. Frames are immutable and
 * shared, so a copy (one per published evaluation) costs a vector of pointers; memory is
 * at most depth x rows x (k + 2) four-byte values.
 */
class RoutingHistory {
 public:
  /** Evaluations kept by default (older ones are forgotten, oldest first). */
  static constexpr int kDefaultDepth = 100;

  /** depth < 1 is taken as 1. */
  explicit RoutingHistory(int depth = kDefaultDepth) : mDepth(depth < 1 ? 1 : depth) {}

  /** Appends a frame, forgetting the oldest past depth(); a frame whose row count or k
   *  differs from the kept ones (another split, another model) starts the history anew. */
  void add(std::shared_ptr<const RoutingFrame> frame);
  void clear() { mFrames.clear(); }

  /** Routing history of test row `row`: one entry per kept evaluation, oldest first; empty
   *  when row is outside [0, rows()). */
  std::vector<RoutingHistoryEntry> of(int row) const;

  int depth() const { return mDepth; }
  /** Evaluations kept now (at most depth()). */
  int evaluations() const { return int(mFrames.size()); }
  /** Test rows per evaluation (0 when empty). */
  int rows() const { return mFrames.empty() ? 0 : mFrames.back()->rows; }
  int k() const { return mFrames.empty() ? 0 : mFrames.back()->k; }
  const std::vector<std::shared_ptr<const RoutingFrame>>& frames() const { return mFrames; }

 private:
  int mDepth;
  std::vector<std::shared_ptr<const RoutingFrame>> mFrames;
};

}  // namespace moe::core
