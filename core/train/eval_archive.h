#pragma once
#include <cstddef>
#include <memory>
#include <vector>

#include "core/train/metrics.h"

namespace moe::core {

/**
 * The evaluations of a run, kept so that a view can go back to any of them (the window's time
 * slider): each as a copy without its routing history (the latest report carries that), in a
 * bounded amount of memory. When the copies pass the budget, the kept ones thin to every other
 * (by their number in the run: every 2nd, then every 4th, ...), the first and the latest always
 * there, so a long run keeps evaluations spread evenly over its whole length.
 */
class EvalArchive {
 public:
  /** Default budget: 256 MiB, some 500 evaluations of Fashion-MNIST's 10,000 test images. */
  static constexpr std::size_t kDefaultBudget = std::size_t(256) << 20;
  explicit EvalArchive(std::size_t byteBudget = kDefaultBudget) : mBudget(byteBudget) {}

  /** Keeps report (a null one is ignored; one of a step already kept replaces it). */
  void add(const std::shared_ptr<const EvalReport>& report);
  void clear() { *this = EvalArchive(mBudget); }
  std::size_t size() const { return mReports.size(); }
  bool empty() const { return mReports.empty(); }
  /** The i-th kept evaluation, oldest first. */
  std::shared_ptr<const EvalReport> at(std::size_t i) const { return mReports.at(i); }
  /** The kept evaluation of step, or the latest before it; null when there is none. */
  std::shared_ptr<const EvalReport> atStep(long step) const;
  /** Bytes the kept copies hold (their per-row and per-cell vectors). */
  std::size_t bytes() const { return mBytes; }
  std::size_t budget() const { return mBudget; }
  /** The bytes of a report's vectors, as counted against the budget. */
  static std::size_t bytesOf(const EvalReport& report);

 private:
  std::size_t mBudget;
  std::size_t mBytes = 0;
  std::size_t mAdded = 0;   // evaluations seen: the number of the next one
  std::size_t mStride = 1;  // kept: those whose number is a multiple of it, and the latest
  std::vector<std::shared_ptr<const EvalReport>> mReports;
  std::vector<std::size_t> mNumbers;  // each kept one's number in the run
};

}  // namespace moe::core
