#include "core/train/router_health.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

namespace moe::core {

namespace {

std::string list(const std::vector<int>& experts) {
  std::string s = experts.size() > 1 ? "experts " : "expert ";
  for (std::size_t i = 0; i < experts.size(); ++i)
    s += (i == 0 ? "" : i + 1 == experts.size() ? " and " : ", ") + std::to_string(experts[i]);
  return s;
}

std::string fixed(double v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string percent(double v) { return fixed(100.0 * v, 1) + "%"; }

}  // namespace

const std::vector<std::string>& routerEventKinds() {
  static const std::vector<std::string> kinds = {"collapse", "dead_expert", "drops",
                                                 "churn",    "non_finite",  "loss_spike"};
  return kinds;
}

std::string parseRouterEventKind(std::string_view name) {
  if (name == "dead") return "dead_expert";
  for (const std::string& k : routerEventKinds())
    if (name == k) return k;
  return {};
}

std::vector<std::string> parseRouterEventKinds(const std::string& list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    std::string name = list.substr(start, end - start);
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(' ') + 1);
    start = end + 1;
    if (name.empty()) continue;
    if (name == "all") return routerEventKinds();
    const std::string kind = parseRouterEventKind(name);
    if (kind.empty()) {
      std::string valid = "all, dead (= dead_expert)";
      for (const std::string& k : routerEventKinds()) valid += ", " + k;
      throw ConfigError("unknown alarm '" + name + "' (expected one of: " + valid + ")");
    }
    if (std::find(out.begin(), out.end(), kind) == out.end()) out.push_back(kind);
  }
  return out;
}

bool RouterHealth::Episode::update(bool condition, long hold, long rearm) {
  if (condition) {
    ++held;
    clear = 0;
    if (!active && held >= hold) return active = true;
  } else {
    held = 0;
    if (active && ++clear >= rearm) active = false;
  }
  return false;
}

RouterHealth::RouterHealth(const HealthConfig& config, int experts, long totalSteps)
    : mConfig(config), mExperts(experts), mTotalSteps(totalSteps),
      mCollapse(std::size_t(std::max(experts, 0))), mDead(std::size_t(std::max(experts, 0))) {}

void RouterHealth::raise(std::string kind, long step, std::vector<int> experts,
                         std::string message, std::string remedy) {
  mEvents.push_back({std::move(kind), step, std::move(experts), std::move(message),
                     std::move(remedy)});
}

void RouterHealth::observe(const StepMetrics& m) {
  if (mConfig.diagnostics == 0) return;
  const long window = mConfig.window;
  ++mSteps;
  const std::vector<float>& load = m.routing.load;
  if (mExperts > 1 && int(load.size()) == mExperts) {
    const double fair = 1.0 / mExperts;
    std::vector<int> collapsed, dead;
    for (int e = 0; e < mExperts; ++e) {
      const double share = load[std::size_t(e)];
      if (mConfig.collapseFactor > 0.0 &&
          mCollapse[std::size_t(e)].update(share > mConfig.collapseFactor * fair, window, window))
        collapsed.push_back(e);
      if (mDead[std::size_t(e)].update(share == 0.0, window, window)) dead.push_back(e);
    }
    if (!collapsed.empty()) {
      std::string shares;
      for (int e : collapsed)
        shares += (shares.empty() ? "" : ", ") + fixed(load[std::size_t(e)] / fair, 1) + "x";
      raise("collapse", m.step, collapsed,
            list(collapsed) + " took more than " + fixed(mConfig.collapseFactor, 1) +
                "x the fair share of the load for " + std::to_string(window) + " steps (now " + shares +
                "): the router is collapsing onto " + (collapsed.size() > 1 ? "them" : "it"),
            "raise --aux-loss (e.g. to 0.1) so the balancing loss spreads the inputs, or add "
            "--z-loss 0.001");
    }
    if (!dead.empty())
      raise("dead_expert", m.step, dead,
            list(dead) + " received no input for " + std::to_string(window) +
                " steps: " + (dead.size() > 1 ? "they are dead and stop" : "it is dead and stops") + " learning",
            "raise --aux-loss (e.g. to 0.1) so the router sends inputs to every expert, or use "
            "fewer --experts");
  }
  if (mConfig.dropRate > 0.0 && mExperts > 0) {
    // The mean over the last window: a batch's drop rate is noisy.
    if (mDropWindow.size() != std::size_t(window)) {
      mDropWindow.assign(std::size_t(window), 0.0);
      mDropNext = 0;
      mDropSum = 0.0;
    }
    mDropSum += m.routing.droppedFraction - mDropWindow[mDropNext];
    mDropWindow[mDropNext] = m.routing.droppedFraction;
    mDropNext = (mDropNext + 1) % mDropWindow.size();
    const double mean = mDropSum / double(window);
    if (mDrops.update(mSteps >= window && mean > mConfig.dropRate, 1, window)) {
      std::vector<int> full;
      for (int e = 0; e < mExperts && e < int(load.size()); ++e)
        if (load[std::size_t(e)] > 1.0 / mExperts) full.push_back(e);
      raise("drops", m.step, full,
            percent(mean) + " of the inputs lost an expert to its capacity over the last " +
                std::to_string(window) + " steps" +
                (full.empty() ? std::string() : " (overloaded: " + list(full) + ")"),
            "raise --capacity-factor (e.g. to 2) so full experts drop fewer inputs, or --aux-loss "
            "(e.g. to 0.1) so the load evens out");
    }
  }
  if (mConfig.lossSpike > 0.0 && std::isfinite(m.loss)) {
    // The trend is a moving average; a spike must stand out from it after a warm-up.
    const bool spike = mLossSeen >= window && m.loss > mConfig.lossSpike * mLossTrend;
    if (mSpike.update(spike, 1, window))
      raise("loss_spike", m.step, {},
            "the batch loss jumped to " + fixed(m.loss, 3) + ", " +
                fixed(m.loss / mLossTrend, 1) + "x its recent trend (" + fixed(mLossTrend, 3) + ")",
            "lower --lr (e.g. halve it) or set --clip-norm 1 so one batch cannot throw the "
            "weights off");
    if (!spike) mLossTrend = mLossSeen == 0 ? m.loss : 0.95 * mLossTrend + 0.05 * m.loss;
    ++mLossSeen;
  }
}

void RouterHealth::observe(const EvalReport& e) {
  if (mConfig.diagnostics == 0 || mConfig.churn <= 0.0 || !std::isfinite(e.stability)) return;
  const bool late = mTotalSteps > 0 && 2 * e.step >= mTotalSteps;
  if (mChurn.update(late && e.stability < mConfig.churn, 1, 1))
    raise("churn", e.step, {},
          percent(1.0 - e.stability) + " of the test inputs changed their first expert since " +
              "the last evaluation, late in training: the routing has not settled",
          "lower --lr (e.g. halve it) or add --z-loss 0.001 so the router's choices settle");
}

void RouterHealth::nonFinite(long step, const std::string& what) {
  raise("non_finite", step, {}, what, "lower --lr (e.g. to 1e-4) or set --clip-norm 1");
}

std::string routerEventJson(const RouterEvent& e) {
  nlohmann::ordered_json j = {{"event", e.kind},        {"step", e.step},       {"experts", e.experts},
                      {"message", e.message}, {"remedy", e.remedy}};
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string routerEventLine(const RouterEvent& e) {
  return "alarm (" + e.kind + ") at step " + std::to_string(e.step) + ": " + e.message +
         ". Try: " + e.remedy;
}

}  // namespace moe::core
