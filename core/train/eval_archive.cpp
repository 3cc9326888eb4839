#include "core/train/eval_archive.h"

#include <algorithm>

namespace moe::core {

namespace {
template <class T>
std::size_t bytes(const std::vector<T>& v) {
  return v.capacity() * sizeof(T);
}
}  // namespace

std::size_t EvalArchive::bytesOf(const EvalReport& r) {
  return sizeof(EvalReport) + bytes(r.classExpert) + bytes(r.predictions) + bytes(r.labels) +
         bytes(r.gateProbs) + bytes(r.topExperts) + bytes(r.predictionConfidence) +
         bytes(r.predictedValues) + bytes(r.targets) + bytes(r.rowMargins) + bytes(r.previousTop1) +
         bytes(r.saturationSteps) + bytes(r.saturationCurve) + bytes(r.coactivation) +
         bytes(r.positionExpert) + bytes(r.routing.load) + bytes(r.routing.importance);
}

void EvalArchive::add(const std::shared_ptr<const EvalReport>& report) {
  if (!report) return;
  auto copy = std::make_shared<EvalReport>(*report);
  copy->routingHistory.reset();  // the latest report's; 100 evaluations deep, not needed here
  if (!mReports.empty() && mReports.back()->step == copy->step) {
    mBytes -= bytesOf(*mReports.back());
    mReports.pop_back();
  }
  mBytes += bytesOf(*copy);
  mReports.push_back(std::move(copy));
  while (mBytes > mBudget && mReports.size() > 2) {
    // Thin the older half: drop every other one, never the first.
    const std::size_t half = std::max<std::size_t>(2, mReports.size() / 2);
    std::vector<std::shared_ptr<const EvalReport>> kept;
    kept.reserve(mReports.size());
    for (std::size_t i = 0; i < mReports.size(); ++i) {
      if (i < half && i % 2 == 1 && i + 1 < mReports.size()) {
        mBytes -= bytesOf(*mReports[i]);
        continue;
      }
      kept.push_back(mReports[i]);
    }
    if (kept.size() == mReports.size()) break;
    mReports = std::move(kept);
  }
}

std::shared_ptr<const EvalReport> EvalArchive::atStep(long step) const {
  std::shared_ptr<const EvalReport> best;
  for (const auto& r : mReports)
    if (r->step <= step) best = r;
  return best;
}

}  // namespace moe::core
