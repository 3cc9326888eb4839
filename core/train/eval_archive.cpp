#include "core/train/eval_archive.h"

#include <algorithm>

namespace moe::core {

namespace {
template <class T>
std::size_t vectorBytes(const std::vector<T>& v) {
  return v.capacity() * sizeof(T);
}
}  // namespace

std::size_t EvalArchive::bytesOf(const EvalReport& r) {
  return sizeof(EvalReport) + vectorBytes(r.classExpert) + vectorBytes(r.predictions) + vectorBytes(r.labels) +
         vectorBytes(r.gateProbs) + vectorBytes(r.topExperts) + vectorBytes(r.predictionConfidence) +
         vectorBytes(r.predictedValues) + vectorBytes(r.targets) + vectorBytes(r.rowMargins) + vectorBytes(r.previousTop1) +
         vectorBytes(r.saturationSteps) + vectorBytes(r.saturationCurve) + vectorBytes(r.coactivation) +
         vectorBytes(r.positionExpert) + vectorBytes(r.routerLogits.counts) + vectorBytes(r.routing.load) + vectorBytes(r.routing.importance);
}

void EvalArchive::add(const std::shared_ptr<const EvalReport>& report) {
  if (!report) return;
  auto copy = std::make_shared<EvalReport>(*report);
  copy->routingHistory.reset();  // the latest report's; 100 evaluations deep, not needed here
  const auto drop = [this](std::size_t i) {
    mBytes -= bytesOf(*mReports[i]);
    mReports.erase(mReports.begin() + std::ptrdiff_t(i));
    mNumbers.erase(mNumbers.begin() + std::ptrdiff_t(i));
  };
  if (!mReports.empty() && mReports.back()->step == copy->step) {
    drop(mReports.size() - 1);  // the same step again (a loaded checkpoint): replaced
  } else if (!mReports.empty() && mNumbers.back() % mStride != 0) {
    drop(mReports.size() - 1);  // kept only while it was the latest
  }
  mBytes += bytesOf(*copy);
  mReports.push_back(std::move(copy));
  mNumbers.push_back(mAdded++);
  while (mBytes > mBudget && mReports.size() > 2) {
    mStride *= 2;
    for (std::size_t i = mReports.size() - 1; i-- > 0;)
      if (mNumbers[i] % mStride != 0) drop(i);
  }
}

std::shared_ptr<const EvalReport> EvalArchive::atStep(long step) const {
  std::shared_ptr<const EvalReport> best;
  for (const auto& r : mReports)
    if (r->step <= step) best = r;
  return best;
}

}  // namespace moe::core
