#pragma once
// moe-train's flags: every option of the CLI (one per row of the config table, plus the
// program's own), and the config they resolve to. main() in moe_train_main.cpp runs the session.
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/train/config.h"

namespace moe::cli {

/** What the flags set. Bound by reference into the CLI::App: keep it where it is built. */
struct TrainOptions {
  core::TrainConfig cfg;                     ///< the config flags (resolved by resolveConfig)
  std::map<std::string, std::string> named;  ///< config keys given by name (router, model, ...)
  std::string configFile, save, load, historyFile, routingCsv, failOnList;
  std::string exportSafetensors, loadSafetensors, predictionsFile;
  std::string parallel = "none";
  bool asJson = false, evalOnly = false, listRouters = false, ablate = false;
  std::vector<std::string> failOn;  ///< the alarm kinds of --fail-on, parsed
};

/** Adds every flag of moe-train to `app`, bound to `options`, and the datasets and routers to
 *  its help. */
void addTrainOptions(CLI::App& app, TrainOptions& options);

/** After parsing: the config file, else the dataset's preset (or --load-safetensors' config), is
 *  the base and the flags given override it; then the config is validated, output paths are
 *  checked (now, not after the training run they would lose) and --fail-on is parsed.
 *  @throws core::ConfigError or core::SafetensorsError saying what is wrong. */
void resolveConfig(const CLI::App& app, TrainOptions& options);

}  // namespace moe::cli
