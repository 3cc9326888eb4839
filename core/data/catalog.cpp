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
  const std::size_t colon = spec.find(':');
  std::string arg = colon == std::string::npos ? std::string() : spec.substr(colon + 1);
  if (entry->arg == SpecArg::Required) {
    if (arg.empty()) arg = opt.dataDir;
    if (arg.empty())
      throw DataError("dataset spec '" + std::string(entry->kind) + "' needs a path: " +
                      entry->kind + ":PATH");
  }
  return entry->load(arg, opt);
}

}  // namespace moe::core
