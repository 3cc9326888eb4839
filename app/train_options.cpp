#include "app/train_options.h"

#include <charconv>
#include <limits>
#include <type_traits>
#include <variant>

#include <nlohmann/json.hpp>

#include "core/data/dataset_table.h"
#include "core/routing/router_registry.h"
#include "core/train/config_keys.h"
#include "core/train/output_check.h"
#include "core/train/presets.h"
#include "core/train/router_health.h"
#include "core/train/torch_export.h"

namespace moe::cli {

using nlohmann::json;

namespace {

// A flag value that must be a whole number of type T, written in decimal, in T's range.
template <typename T>
CLI::Validator wholeNumber() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        T v{};
        const char* end = text.data() + text.size();
        const auto [at, ec] = std::from_chars(text.data(), end, v);
        if (!text.empty() && ec == std::errc() && at == end) return {};
        return "'" + text + "' is not a whole number in " +
               std::to_string(std::numeric_limits<T>::min()) + ".." +
               std::to_string(std::numeric_limits<T>::max());
      },
      "INT");
}

}  // namespace

void addTrainOptions(CLI::App& app, TrainOptions& o) {
  app.add_option("--config", o.configFile, "JSON config file; flags given as well override it")
      ->check(CLI::ExistingFile);
  // One flag per row of the config table; names (router, model, ...) are parsed with the rest.
  for (const core::ConfigKey& k : core::configKeys()) {
    if (!k.flag) continue;
    std::visit(
        [&](const auto& field) {
          using F = std::decay_t<decltype(field)>;
          if constexpr (std::is_same_v<F, core::NamedField>) {
            app.add_option(k.flag, o.named[k.key], k.help);
          } else {
            CLI::Option* option = app.add_option(k.flag, field(o.cfg), k.help);
            // Integers are checked as written: "-5" must not wrap to 2^64 - 5, a 23-digit seed
            // must not saturate, "3.7" must not become 3.
            using M = std::decay_t<decltype(field(o.cfg))>;
            if constexpr (std::is_integral_v<M>) option->check(wholeNumber<M>(), "", "");
          }
        },
        k.field);
  }
  std::string footer = "Datasets (--dataset):";
  for (const core::DatasetEntry& e : core::datasetTable())
    footer += "\n  " + core::specForm(e) + ": " + e.help + " [" + e.task + "]";
  app.footer(footer + "\nRouters (--router):\n" + core::routerHelp());
  app.add_option("--save", o.save, "write a checkpoint here at the end");
  app.add_option("--load", o.load, "start from this checkpoint")->check(CLI::ExistingFile);
  app.add_option("--history", o.historyFile,
                 "write the run's history (every step and evaluation, JSON Lines) here at the "
                 "end; the window opens it with File > Open run history");
  app.add_option("--routing-csv", o.routingCsv,
                 "write each test input's routing by the final weights here at the end, as CSV: "
                 "index, label, prediction, correct, then the chosen experts and their gates, "
                 "highest gate first (the window's File > Export routing per input)");
  app.add_flag("--json", o.asJson, "one JSON object per line per epoch, and a summary line");
  app.add_option("--fail-on", o.failOnList,
                 "stop with exit code 3 when one of these router alarms fires: comma-separated "
                 "collapse, dead_expert (or dead), drops, churn, non_finite, loss_spike, or all");
  // Hand-off to PyTorch (docs/PYTORCH.md).
  app.add_option("--export-safetensors", o.exportSafetensors,
                 "write the weights at the end as safetensors in PyTorch's names and layout, and "
                 "the architecture beside it (FILE.safetensors -> FILE.json); "
                 "scripts/to_pytorch.py builds the torch.nn model from them");
  app.add_option("--load-safetensors", o.loadSafetensors,
                 "start from these weights (safetensors in PyTorch's names, with its JSON config "
                 "beside it, whose settings are the base unless --config is given)")
      ->check(CLI::ExistingFile);
  app.add_option("--export-predictions", o.predictionsFile,
                 "write the last evaluation's per-row predictions, confidences and experts here "
                 "(safetensors)");
  app.add_flag("--eval-only", o.evalOnly, "evaluate the model (e.g. loaded) on the test split without training");
  app.add_option("--parallel", o.parallel,
                 "expert: expert-parallel training, run under mpirun -np R: each rank holds E/R "
                 "experts and a shard of every batch, rows travel by all-to-all "
                 "(docs/SCALING.md); none: one process")
      ->check(CLI::IsMember({"none", "expert"}));
  app.add_flag("--list-routers", o.listRouters, "print the registered routers' names, one a line, and exit");
  app.add_flag("--ablate", o.ablate,
               "after training (or with --load, of the checkpoint): the test accuracy, overall and "
               "per class, with each expert removed (next choice, renormalised), alone, and with a "
               "uniform gate (docs/EXPERIMENTS.md)");
}

void resolveConfig(const CLI::App& app, TrainOptions& o) {
  // The base is the config file, else the dataset's preset (or the config beside
  // --load-safetensors); flags given override it.
  core::TrainConfig fromFile =
      o.configFile.empty() ? core::presetFor(o.cfg.dataset) : core::loadConfigFile(o.configFile);
  if (o.configFile.empty() && !o.loadSafetensors.empty())
    core::from_json(core::readTorchConfig(o.loadSafetensors)["moe_train_config"], fromFile);
  json given;
  core::to_json(given, o.cfg);
  for (const auto& [key, value] : o.named) given[key] = value;
  json base;
  core::to_json(base, fromFile);
  for (const core::ConfigKey& k : core::configKeys())
    if (k.flag && app.count(k.flag)) base[k.key] = given[k.key];
  core::from_json(base, o.cfg);
  o.cfg.validate();
  // Output paths are checked now, not after the training run they would lose.
  if (!o.save.empty()) core::checkOutputFile(o.save, "--save");
  if (!o.historyFile.empty()) core::checkOutputFile(o.historyFile, "--history");
  if (!o.exportSafetensors.empty()) {
    core::checkOutputFile(o.exportSafetensors, "--export-safetensors");
    core::checkOutputFile(core::torchConfigPath(o.exportSafetensors), "--export-safetensors (its config)");
  }
  if (!o.predictionsFile.empty()) core::checkOutputFile(o.predictionsFile, "--export-predictions");
  if (!o.routingCsv.empty()) core::checkOutputFile(o.routingCsv, "--routing-csv");
  o.failOn = core::parseRouterEventKinds(o.failOnList);
}

}  // namespace moe::cli
