#include "core/data/catalog.h"

#include "core/data/dataset_table.h"

namespace moe::core {

const std::vector<std::string>& datasetSpecs() {
  static const std::vector<std::string> specs = [] {
    std::vector<std::string> all;
    for (const DatasetEntry& e : datasetTable()) {
      if (e.arg != SpecArg::Required) all.push_back(e.kind);
      if (e.arg != SpecArg::None) all.push_back(std::string(e.kind) + ":" + e.argName);
    }
    return all;
  }();
  return specs;
}

DataSplits loadDataset(const std::string& spec, const DataOptions& opt) {
  const DatasetEntry* entry = findDataset(spec);
  if (!entry) {
    std::string valid;
    for (const auto& s : datasetSpecs()) valid += (valid.empty() ? "" : ", ") + s;
    throw DataError("unknown dataset '" + spec + "'; valid: " + valid);
  }
  // The argument follows the row's kind (kinds such as "toy:csv" hold a colon themselves).
  const std::size_t kindLength = std::string(entry->kind).size();
  std::string arg = spec.size() > kindLength ? spec.substr(kindLength + 1) : std::string();
  if (entry->arg == SpecArg::Required) {
    if (arg.empty()) arg = opt.dataDir;
    if (arg.empty())
      throw DataError("dataset spec '" + std::string(entry->kind) + "' needs a path: " +
                      entry->kind + ":PATH");
  }
  return entry->load(arg, opt);
}

}  // namespace moe::core
