#pragma once
/**
 * @file A sweep: many training runs that differ in a few settings, read from a spec.
 *
 *   {"base": {config keys, as in a --config file},
 *    "grid": {"experts": [4, 8], "top_k": [1, 2, 3]},   (or "runs": [{...}, {...}])
 *    "seeds": [0, 1, 2]}
 *
 * Expansion is deterministic: the grid's keys in the order the spec writes them, the last key
 * varying fastest, and the seeds innermost (every setting with every seed in turn). A "runs"
 * list is taken in its order, each run with every seed. Each run's config is the defaults,
 * then `base`, then the run's settings, then its seed: exactly what `moe-train --config` trains
 * with the run's config.json.
 */
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/train/config.h"

namespace moe::core {

/** A spec is malformed or names a setting that is unknown or out of range; what() names the
 *  place (base, grid, runs[i], seeds, a run) and the problem. */
class SweepError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/** One run of a sweep. */
struct SweepRun {
  std::string id;                  ///< its varied settings, "experts=4 top_k=1 seed=0"
  std::string folder;              ///< id as a file name, "experts-4_top_k-1_seed-0"
  nlohmann::ordered_json settings; ///< the keys this run sets and their values
  /** Every varied key of the sweep (SweepSpec::varied) with this run's value, from its config
   *  when the run does not set it: the results row's setting columns. */
  nlohmann::ordered_json columns;
  TrainConfig config;              ///< the whole config, validated (ensembles: a member's)
  std::string baseline;            ///< a baseline's name (core/sweep/baselines.h), else empty
  bool ensemble = false;           ///< bagging, boosting or stacking (trainEnsembleRun)
  int members = 0;                 ///< ensembles: how many models
};

/** A parsed and expanded spec. */
struct SweepSpec {
  std::vector<std::string> varied;  ///< the keys any run sets (the results' setting columns)
  std::vector<SweepRun> runs;       ///< in expansion order
};

/** Parses and expands a spec. @throws SweepError naming the problem. */
SweepSpec parseSweepSpec(const nlohmann::ordered_json& spec);
/** Reads a spec file (at most 1 MiB of JSON) and parses it. @throws SweepError. */
SweepSpec loadSweepSpec(const std::string& path);

/** A config as JSON without the settings that do not change results (threads: the CPU backend
 *  gives the same numbers with any thread count), for telling whether a stored row is of the
 *  same run. */
nlohmann::json resultDefiningConfig(const TrainConfig& config);

}  // namespace moe::core
