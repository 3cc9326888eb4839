#include "core/routing/logit_histogram.h"

#include <algorithm>
#include <cmath>

namespace moe::core {

int LogitHistogram::binOf(float value) const {
  if (!(hi > lo)) return kBins / 2;  // one value: the middle band
  const double at = (double(value) - lo) / (double(hi) - lo) * kBins;
  return std::clamp(int(std::floor(at)), 0, kBins - 1);
}

double LogitHistogram::edge(int b) const {
  if (!(hi > lo)) return double(lo) + (double(b) / kBins - 0.5);  // bands of width 1/kBins around it
  return double(lo) + (double(hi) - lo) * b / kBins;
}

LogitHistogram logitHistogram(std::span<const float> logits) {
  LogitHistogram h;
  bool any = false;
  for (float v : logits) {
    if (!std::isfinite(v)) {
      ++h.nonFinite;
      continue;
    }
    h.lo = any ? std::min(h.lo, v) : v;
    h.hi = any ? std::max(h.hi, v) : v;
    any = true;
  }
  if (!any) return h;
  h.counts.assign(std::size_t(LogitHistogram::kBins), 0);
  double sum = 0.0;
  for (float v : logits) {
    if (!std::isfinite(v)) continue;
    ++h.counts[std::size_t(h.binOf(v))];
    ++h.total;
    sum += v;
  }
  h.mean = sum / double(h.total);
  double squares = 0.0;
  for (float v : logits)
    if (std::isfinite(v)) squares += (v - h.mean) * (v - h.mean);
  h.stddev = std::sqrt(squares / double(h.total));
  return h;
}

LogitHistogram LogitCollector::finish() {
  LogitHistogram h = logitHistogram(mValues);
  std::vector<float>().swap(mValues);
  return h;
}

}  // namespace moe::core
