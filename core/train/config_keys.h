#pragma once
/** @file The one table of config keys: JSON key, CLI flag, help text and the member it reads
 *  and writes. to_json, from_json and moe-train's flags all come from it, so a new setting is
 *  one row. */
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "core/train/config.h"

namespace moe::core {

/** A setting stored by name (model, router, optimizer, activation): get returns the name,
 *  set parses it and throws ConfigError listing the valid names. */
struct NamedField {
  std::string (*get)(const TrainConfig&);
  void (*set)(TrainConfig&, const std::string&);
};

/** Where a key's value lives in TrainConfig. */
using ConfigField =
    std::variant<int& (*)(TrainConfig&), double& (*)(TrainConfig&),
                 std::uint64_t& (*)(TrainConfig&), std::string& (*)(TrainConfig&), NamedField>;

struct ConfigKey {
  const char* key;   ///< JSON key, e.g. "top_k"
  const char* flag;  ///< moe-train flag, e.g. "--top-k"; nullptr when there is none
  std::string help;  ///< one line for --help
  ConfigField field;
};

/** Every config key, in help order. */
const std::vector<ConfigKey>& configKeys();
/** The row of `key`, or nullptr. */
const ConfigKey* findConfigKey(const std::string& key);

}  // namespace moe::core
