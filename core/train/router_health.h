#pragma once
/** @file Alarms about the router's health: collapse, dead experts, drops, churn, non-finite
 *  values and loss spikes, each raised once per episode as a RouterEvent with a one-line
 *  explanation and a remedy. Fed every StepMetrics and EvalReport of a run (Session does). */
#include <string>
#include <string_view>
#include <vector>

#include "core/train/config.h"
#include "core/train/metrics.h"

namespace moe::core {

/** The alarm kinds, in the order help texts list them. */
const std::vector<std::string>& routerEventKinds();
/** The kind named `name` ("dead" is accepted for "dead_expert"), or "" when there is none. */
std::string parseRouterEventKind(std::string_view name);

/** A comma-separated list of kinds (moe-train --fail-on), "all" for every kind; throws
 *  ConfigError naming an unknown name and listing the valid ones. */
std::vector<std::string> parseRouterEventKinds(const std::string& list);

/**
 * Watches a run's records and raises events. A condition must hold for HealthConfig::window
 * consecutive steps (drops: on average over the window) before it fires; it fires again only
 * after it has been clear for a window. Thresholds of 0 turn an alarm off.
 */
class RouterHealth {
 public:
  /** experts: of the MoE layer (0: no MoE, only non-finite and loss-spike alarms);
   *  totalSteps: of the whole run (churn watches its second half). */
  RouterHealth(const HealthConfig& config, int experts, long totalSteps);

  void observe(const StepMetrics& m);
  void observe(const EvalReport& e);
  /** A step refused because a value was not finite; `what` is the refusal's message. */
  void nonFinite(long step, const std::string& what);

  /** Every event so far, in the order they fired. */
  const std::vector<RouterEvent>& events() const { return mEvents; }
  void setConfig(const HealthConfig& config) { mConfig = config; }

 private:
  /** One condition's episode: how long it has held or been clear, and whether it fired. */
  struct Episode {
    long held = 0, clear = 0;
    bool active = false;
    /** Advances by one observation; true when the condition has just held for `hold`
     *  observations (a new episode: the last one has been clear for `rearm`). */
    bool update(bool condition, long hold, long rearm);
  };
  void raise(std::string kind, long step, std::vector<int> experts, std::string message,
             std::string remedy);

  HealthConfig mConfig;
  int mExperts;
  long mTotalSteps;
  long mSteps = 0;  // steps observed
  std::vector<Episode> mCollapse, mDead;  // one per expert
  Episode mDrops, mChurn, mSpike;
  std::vector<double> mDropWindow;        // the last window's dropped fractions
  std::size_t mDropNext = 0;
  double mDropSum = 0.0;
  double mLossTrend = 0.0;                // moving average of the loss
  long mLossSeen = 0;
  std::vector<RouterEvent> mEvents;
};

/** One event as a JSON line's object text: {"event": kind, "step", "experts", "message",
 *  "remedy"} (moe-train --json and history files). */
std::string routerEventJson(const RouterEvent& e);
/** One readable line: "alarm at step N: message Try: remedy". */
std::string routerEventLine(const RouterEvent& e);

}  // namespace moe::core
