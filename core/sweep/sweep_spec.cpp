#include "core/sweep/sweep_spec.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>

#include "core/sweep/baselines.h"
#include "core/train/config_keys.h"
#include "core/train/presets.h"

namespace moe::core {

namespace {

using ojson = nlohmann::ordered_json;
constexpr std::size_t kMaxSpecBytes = std::size_t(1) << 20;
constexpr const char* kBaselineColumn = "baseline";  // the results' column of baseline runs
constexpr const char* kMembersColumn = "members";    // ... and of ensembles' sizes

// A value as it appears in a run's id: numbers and booleans as JSON writes them, strings bare.
std::string valueText(const ojson& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// Only letters, digits, '.', '-' and '_' survive in a folder name.
std::string fileSafe(const std::string& s) {
  std::string out;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == '_';
    out += ok ? c : '_';
  }
  return out;
}

void checkKey(const std::string& where, const std::string& key) {
  if (!findConfigKey(key)) throw SweepError(where + ": unknown config key '" + key + "'");
}

void checkScalar(const std::string& where, const ojson& v) {
  if (!v.is_number() && !v.is_string() && !v.is_boolean())
    throw SweepError(where + " must be a number or a string, got " + std::string(v.type_name()));
}

// The cartesian product of the grid, last key fastest.
std::vector<ojson> expandGrid(const ojson& grid) {
  if (!grid.is_object()) throw SweepError("grid must be an object of key: [values]");
  if (grid.empty()) throw SweepError("grid is empty: give at least one key with a list of values");
  std::vector<ojson> combos{ojson::object()};
  for (auto it = grid.begin(); it != grid.end(); ++it) {
    const std::string where = "grid: '" + it.key() + "'";
    checkKey("grid", it.key());
    if (it.key() == "seed") throw SweepError("grid: vary the seed with \"seeds\": [...]");
    if (!it.value().is_array()) throw SweepError(where + " must be a list of values");
    if (it.value().empty()) throw SweepError(where + " has an empty list of values");
    std::vector<ojson> next;
    for (const ojson& c : combos)
      for (const ojson& v : it.value()) {
        checkScalar(where + " value " + v.dump(), v);
        ojson n = c;
        n[it.key()] = v;
        next.push_back(std::move(n));
      }
    combos = std::move(next);
  }
  return combos;
}

std::vector<ojson> listRuns(const ojson& runs) {
  if (!runs.is_array()) throw SweepError("runs must be a list of objects of config keys");
  if (runs.empty()) throw SweepError("runs is empty: give at least one run");
  std::vector<ojson> out;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const std::string where = "runs[" + std::to_string(i) + "]";
    if (!runs[i].is_object()) throw SweepError(where + " must be an object of config keys");
    for (auto it = runs[i].begin(); it != runs[i].end(); ++it) {
      checkKey(where, it.key());
      checkScalar(where + ": '" + it.key() + "'", it.value());
    }
    out.push_back(runs[i]);
  }
  return out;
}

std::vector<std::uint64_t> listSeeds(const ojson& seeds) {
  if (!seeds.is_array()) throw SweepError("seeds must be a list of whole numbers");
  if (seeds.empty()) throw SweepError("seeds is empty: give at least one seed");
  std::vector<std::uint64_t> out;
  for (const ojson& s : seeds) {
    // A JSON text's 0 parses as unsigned, a program's 0 (ojson(int)) is signed: both are seeds.
    if (!s.is_number_integer() || (!s.is_number_unsigned() && s.get<std::int64_t>() < 0))
      throw SweepError("seeds: " + s.dump() + " is not a whole number >= 0");
    out.push_back(s.get<std::uint64_t>());
  }
  return out;
}

/** A run's config keys on top of its dataset's preset, as moe-train builds them: `"dataset":
 *  "fortunes-langid"` means the text preset's model (embedding, experts, n-grams, learning
 *  rate), not the image defaults with text data. */
TrainConfig presetConfig(const ojson& keys) {
  const std::string dataset = keys.contains("dataset") && keys["dataset"].is_string()
                                  ? keys["dataset"].get<std::string>()
                                  : TrainConfig{}.dataset;
  nlohmann::json merged;
  to_json(merged, presetFor(dataset));
  for (auto it = keys.begin(); it != keys.end(); ++it)
    merged[it.key()] = nlohmann::json::parse(it.value().dump());
  TrainConfig c;
  from_json(merged, c);
  return c;
}

/** The runs of the spec's "baselines" (core/sweep/baselines.h), after the sweep's own: each
 *  baseline of the base config with every seed. */
void addBaselineRuns(const ojson& spec, const ojson& base, const std::vector<std::uint64_t>& seeds,
                     SweepSpec& out, std::map<std::string, std::size_t>& seen) {
  if (spec.contains("ensemble_members") && !spec.contains("baselines"))
    throw SweepError("ensemble_members is given, but no \"baselines\"");
  if (!spec.contains("baselines")) return;
  const ojson& list = spec["baselines"];
  std::string names;
  for (Baseline b : allBaselines()) names += std::string(names.empty() ? "" : ", ") + baselineName(b);
  if (!list.is_array() || list.empty())
    throw SweepError("baselines must be a non-empty list of names (" + names + ")");
  TrainConfig moe = presetConfig(base);
  int members = moe.model.routedExperts();
  if (spec.contains("ensemble_members")) {
    const ojson& m = spec["ensemble_members"];
    if (!m.is_number_unsigned() || m.get<std::uint64_t>() < 1 || m.get<std::uint64_t>() > 64)
      throw SweepError("ensemble_members must be a whole number from 1 to 64, not " + m.dump());
    members = int(m.get<std::uint64_t>());
  }
  bool anyEnsemble = false;
  for (const ojson& item : list) {
    const auto b = item.is_string() ? findBaseline(item.get<std::string>()) : std::nullopt;
    if (!b) throw SweepError("baselines: unknown baseline " + item.dump() + " (expected " + names + ")");
    anyEnsemble = anyEnsemble || isEnsemble(*b);
    for (std::size_t i = 0; i < std::max<std::size_t>(1, seeds.size()); ++i) {
      SweepRun run;
      run.baseline = baselineName(*b);
      run.ensemble = isEnsemble(*b);
      run.members = run.ensemble ? members : 0;
      run.settings[kBaselineColumn] = run.baseline;
      if (run.ensemble) run.settings[kMembersColumn] = members;
      if (!seeds.empty()) run.settings["seed"] = seeds[i];
      for (auto it = run.settings.begin(); it != run.settings.end(); ++it) {
        run.id += (run.id.empty() ? "" : " ") + it.key() + "=" + valueText(it.value());
        run.folder += (run.folder.empty() ? "" : "_") + fileSafe(it.key() + "-" + valueText(it.value()));
      }
      TrainConfig c = moe;
      if (!seeds.empty()) c.seed = seeds[i];
      try {
        run.config = baselineConfig(c, *b);
        run.config.validate();
      } catch (const ConfigError& e) {
        throw SweepError("run '" + run.id + "': " + e.what());
      }
      if (const auto [at, fresh] = seen.emplace(run.folder, out.runs.size()); !fresh)
        throw SweepError("run '" + run.id + "' is listed twice");
      out.runs.push_back(std::move(run));
    }
  }
  out.varied.push_back(kBaselineColumn);
  if (anyEnsemble) out.varied.push_back(kMembersColumn);
}

}  // namespace

nlohmann::json resultDefiningConfig(const TrainConfig& config) {
  nlohmann::json j;
  to_json(j, config);
  j.erase("threads");
  return j;
}

SweepSpec parseSweepSpec(const ojson& spec) {
  if (!spec.is_object()) throw SweepError("a sweep spec must be a JSON object");
  for (auto it = spec.begin(); it != spec.end(); ++it)
    if (it.key() != "base" && it.key() != "grid" && it.key() != "runs" && it.key() != "seeds" &&
        it.key() != "baselines" && it.key() != "ensemble_members")
      throw SweepError("unknown spec key '" + it.key() +
                       "' (expected base, grid, runs, seeds, baselines, ensemble_members)");
  if (spec.contains("grid") && spec.contains("runs"))
    throw SweepError("give either \"grid\" or \"runs\", not both");
  if (!spec.contains("grid") && !spec.contains("runs") && !spec.contains("seeds") &&
      !spec.contains("baselines"))
    throw SweepError("the spec has no \"grid\", \"runs\" or \"seeds\": nothing varies");

  const ojson base = spec.value("base", ojson::object());
  if (!base.is_object()) throw SweepError("base must be an object of config keys");
  {
    try {
      (void)presetConfig(base);
    } catch (const ConfigError& e) {
      throw SweepError(std::string("base: ") + e.what());
    }
  }
  const std::vector<ojson> settings = spec.contains("grid")   ? expandGrid(spec["grid"])
                                      : spec.contains("runs") ? listRuns(spec["runs"])
                                                              : std::vector<ojson>{ojson::object()};
  const bool seeded = spec.contains("seeds");
  const std::vector<std::uint64_t> seeds = seeded ? listSeeds(spec["seeds"])
                                                  : std::vector<std::uint64_t>{};

  SweepSpec out;
  auto addVaried = [&](const std::string& key) {
    if (std::find(out.varied.begin(), out.varied.end(), key) == out.varied.end())
      out.varied.push_back(key);
  };
  for (const ojson& s : settings)
    for (auto it = s.begin(); it != s.end(); ++it) addVaried(it.key());
  if (seeded) addVaried("seed");

  std::map<std::string, std::size_t> seen;
  for (const ojson& s : settings) {
    for (std::size_t i = 0; i < std::max<std::size_t>(1, seeds.size()); ++i) {
      SweepRun run;
      run.settings = s;
      if (seeded) run.settings["seed"] = seeds[i];
      for (auto it = run.settings.begin(); it != run.settings.end(); ++it) {
        run.id += (run.id.empty() ? "" : " ") + it.key() + "=" + valueText(it.value());
        run.folder += (run.folder.empty() ? "" : "_") + fileSafe(it.key() + "-" + valueText(it.value()));
      }
      if (run.id.empty()) run.id = run.folder = "base";
      ojson merged = base;
      for (auto it = run.settings.begin(); it != run.settings.end(); ++it) merged[it.key()] = it.value();
      try {
        run.config = presetConfig(merged);
        run.config.validate();
      } catch (const ConfigError& e) {
        throw SweepError("run '" + run.id + "': " + e.what());
      }
      if (const auto [at, fresh] = seen.emplace(run.folder, out.runs.size()); !fresh)
        throw SweepError("run '" + run.id + "' is listed twice (as run " +
                         std::to_string(at->second + 1) + " and run " +
                         std::to_string(out.runs.size() + 1) + ")");
      out.runs.push_back(std::move(run));
    }
  }
  addBaselineRuns(spec, base, seeds, out, seen);
  for (SweepRun& run : out.runs) {
    nlohmann::json all;
    to_json(all, run.config);
    for (const std::string& key : out.varied)
      run.columns[key] = key == kBaselineColumn ? (run.baseline.empty() ? ojson(nullptr) : ojson(run.baseline))
                         : key == kMembersColumn ? (run.ensemble ? ojson(run.members) : ojson(nullptr))
                                                 : ojson(all.at(key));
  }
  return out;
}

SweepSpec loadSweepSpec(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SweepError("cannot open sweep spec '" + path + "'");
  std::string text;
  char chunk[16384];
  while (text.size() <= kMaxSpecBytes && (in.read(chunk, sizeof chunk) || in.gcount() > 0))
    text.append(chunk, std::size_t(in.gcount()));
  if (text.size() > kMaxSpecBytes)
    throw SweepError("sweep spec '" + path + "' is larger than 1 MiB");
  ojson spec;
  try {
    spec = ojson::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw SweepError("sweep spec '" + path + "' is not valid JSON: " + e.what());
  }
  try {
    return parseSweepSpec(spec);
  } catch (const SweepError& e) {
    throw SweepError("sweep spec '" + path + "': " + e.what());
  }
}

}  // namespace moe::core
