#include "core/routing/routing_history.h"

#include <limits>

namespace moe::core {

void RoutingHistory::add(std::shared_ptr<const RoutingFrame> frame) {
  if (!frame) return;
  if (!mFrames.empty() && (mFrames.back()->rows != frame->rows || mFrames.back()->k != frame->k))
    mFrames.clear();
  if (int(mFrames.size()) >= mDepth) mFrames.erase(mFrames.begin(), mFrames.end() - (mDepth - 1));
  mFrames.push_back(std::move(frame));
}

std::vector<RoutingHistoryEntry> RoutingHistory::of(int row) const {
  std::vector<RoutingHistoryEntry> out;
  if (row < 0 || row >= rows()) return out;
  out.reserve(mFrames.size());
  const std::size_t r = std::size_t(row);
  for (const auto& f : mFrames) {
    const std::size_t k = std::size_t(f->k);
    RoutingHistoryEntry e;
    e.step = f->step;
    e.experts.assign(f->experts.begin() + std::ptrdiff_t(r * k),
                     f->experts.begin() + std::ptrdiff_t((r + 1) * k));
    e.topGate = r < f->topGate.size() ? f->topGate[r] : 0.0f;
    e.margin = r < f->margin.size() ? f->margin[r] : std::numeric_limits<float>::quiet_NaN();
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace moe::core
