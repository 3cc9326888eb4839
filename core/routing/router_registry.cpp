#include "core/routing/router_registry.h"

#include "core/routing/routers/base_router.h"
#include "core/routing/routers/dense_router.h"
#include "core/routing/routers/expert_choice_router.h"
#include "core/routing/routers/hash_router.h"
#include "core/routing/routers/noisy_topk_router.h"
#include "core/routing/routers/sinkhorn_router.h"
#include "core/routing/routers/soft_moe_router.h"
#include "core/routing/routers/switch_router.h"
#include "core/routing/routers/topk_router.h"
#include "core/routing/routers/uniform_router.h"
#include "core/train/config.h"
#include "core/train/config_keys.h"

namespace moe::core {

const std::vector<RouterEntry>& routerRegistry() {
  // One line per router, in menu order.
  static const std::vector<RouterEntry> all{
      registryEntry<DenseRouter>(),        registryEntry<TopKRouter>(),
      registryEntry<NoisyTopKRouter>(),    registryEntry<SwitchRouter>(),
      registryEntry<ExpertChoiceRouter>(), registryEntry<HashRouter>(),
      registryEntry<BaseRouter>(),         registryEntry<SinkhornRouter>(),
      registryEntry<SoftMoeRouter>(),
      registryEntry<UniformRouter>(),
  };
  return all;
}

const RouterEntry& findRouter(const std::string& name) {
  for (const RouterEntry& e : routerRegistry())
    if (name == e.info.name) return e;
  throw ConfigError("unknown router '" + name + "' (expected one of: " + routerNames(", ") + ")");
}

std::string routerNames(const std::string& separator) {
  std::string out;
  for (const RouterEntry& e : routerRegistry())
    out += (out.empty() ? "" : separator) + std::string(e.info.name);
  return out;
}

std::string routerHelp() {
  std::string out;
  for (const RouterEntry& e : routerRegistry()) {
    out += std::string(out.empty() ? "  " : "\n  ") + e.info.name + ": " + e.info.description;
    std::string reads;
    for (RouterSetting s : e.info.settings) {
      const ConfigKey* key = findConfigKey(routerSettingKey(s));
      reads += std::string(reads.empty() ? "" : ", ") +
               (key && key->flag ? key->flag : routerSettingKey(s));
    }
    if (!reads.empty()) out += " (reads " + reads + ")";
  }
  return out;
}

std::string routersReading(RouterSetting s) {
  std::string out;
  for (const RouterEntry& e : routerRegistry())
    if (e.info.reads(s)) out += (out.empty() ? "read by " : ", ") + std::string(e.info.name);
  return out.empty() ? "read by no router" : out;
}

const char* routerSettingKey(RouterSetting s) {
  switch (s) {
    case RouterSetting::TopK:
      return "top_k";
    case RouterSetting::CapacityFactor:
      return "capacity_factor";
    case RouterSetting::NoiseScale:
      return "noise_scale";
    case RouterSetting::Score:
      return "score";
    case RouterSetting::RouteScale:
      return "route_scale";
    case RouterSetting::BiasUpdateRate:
      return "bias_update_rate";
    case RouterSetting::DropPolicy:
      return "drop_policy";
    case RouterSetting::SlotsPerExpert:
      return "slots_per_expert";
  }
  return "?";
}

int expertsPerRow(const std::string& router, int topK, int experts) {
  RouterSettings s;
  s.k = topK;
  return findRouter(router).info.expertsPerRow(s, experts);
}

std::string defaultRouterName() { return TopKRouter::describe().name; }

}  // namespace moe::core
