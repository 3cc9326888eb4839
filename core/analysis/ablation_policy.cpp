#include "core/analysis/ablation_policy.h"

#include <algorithm>

namespace moe::core {

const char* ablationModeName(AblationMode mode) {
  switch (mode) {
    case AblationMode::NextChoice: return "next-choice";
    case AblationMode::Renormalise: return "renormalise";
    case AblationMode::Alone: return "alone";
    case AblationMode::UniformGate: return "uniform-gate";
  }
  return "?";
}

AblationPolicy::AblationPolicy(RouterPolicy& wrapped, AblationMode mode, int expert)
    : mWrapped(wrapped), mMode(mode), mExpert(expert) {}

void AblationPolicy::scores(const RouterInput& in, std::vector<float>& h) { mWrapped.scores(in, h); }

bool AblationPolicy::buildPlan(const RouterInput& in, const std::vector<float>& p,
                               DispatchPlan& plan) {
  if (!mWrapped.buildPlan(in, p, plan)) return false;
  mUnsupported = true;
  return true;
}

void AblationPolicy::choose(const RouterInput& in, const std::vector<float>& p,
                            RouterChoices& out) {
  mWrapped.choose(in, p, out);
  for (int r = 0; r < in.rows; ++r)
    editRow(out.rows[std::size_t(r)], &p[std::size_t(r) * std::size_t(in.experts)], in.experts,
            mMode, mExpert);
}

void AblationPolicy::editRow(std::vector<std::pair<int, float>>& row, const float* p, int experts,
                             AblationMode mode, int expert) {
  double total = 0.0;
  for (const auto& c : row) total += c.second;
  // A row the router left without an expert (dropped) counts as a gate total of 1.
  const float whole = row.empty() ? 1.0f : float(total);
  switch (mode) {
    case AblationMode::Alone:
      row.assign(1, {expert, whole});
      return;
    case AblationMode::UniformGate:
      row.clear();
      for (int e = 0; e < experts; ++e) row.push_back({e, whole / float(experts)});
      return;
    case AblationMode::NextChoice: {
      const auto it = std::find_if(row.begin(), row.end(), [&](auto& c) { return c.first == expert; });
      if (it == row.end()) return;
      // The best expert by p that the row does not use yet (ties to the lower index).
      int next = -1;
      for (int e = 0; e < experts; ++e) {
        if (e == expert) continue;
        if (std::any_of(row.begin(), row.end(), [&](auto& c) { return c.first == e; })) continue;
        if (next < 0 || p[e] > p[next]) next = e;
      }
      if (next < 0) row.erase(it);  // every expert was chosen already: the share is lost
      else it->first = next;
      return;
    }
    case AblationMode::Renormalise: {
      const auto it = std::find_if(row.begin(), row.end(), [&](auto& c) { return c.first == expert; });
      if (it == row.end()) return;
      const double rest = total - it->second;
      row.erase(it);
      if (row.empty() || rest <= 0.0) {
        row.clear();
        return;
      }
      for (auto& c : row) c.second = float(c.second * total / rest);
      return;
    }
  }
}

}  // namespace moe::core
