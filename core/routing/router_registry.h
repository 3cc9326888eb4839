#pragma once
/** @file The router registry: every router by name. Gating, the model config, the setup
 *  panel, the CLI and the table-driven tests read it; a new router is one line here. */
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/routing/router_policy.h"

namespace moe::core {

/** One registered router: what it declares, and how to build one. */
struct RouterEntry {
  RouterInfo info;
  std::function<std::unique_ptr<RouterPolicy>(RouterBuild&)> create;
};

/** Every router, in the order menus and help texts list them. */
const std::vector<RouterEntry>& routerRegistry();
/** The entry called `name`; ConfigError listing the registered names when there is none. */
const RouterEntry& findRouter(const std::string& name);
/** The registered names joined by `separator` ("dense | topk | ..."). */
std::string routerNames(const std::string& separator = " | ");
/** One indented line per router, "  name: description (reads --top-k, ...)", for help texts. */
std::string routerHelp();
/** The routers that read setting s, "read by a, b" (for help texts and tooltips). */
std::string routersReading(RouterSetting s);
/** The config key of a setting ("top_k", "capacity_factor", "noise_scale", ...). */
const char* routerSettingKey(RouterSetting s);
/** Experts a row of the configured router gets (on average, before capacity drops). */
int expertsPerRow(const std::string& router, int topK, int experts);

/** Builds the registry entry of router class R (R::describe() and R(RouterBuild&)). */
template <typename R>
RouterEntry registryEntry() {
  return {R::describe(),
          [](RouterBuild& b) -> std::unique_ptr<RouterPolicy> { return std::make_unique<R>(b); }};
}

}  // namespace moe::core
