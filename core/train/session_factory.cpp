#include "core/train/session_factory.h"

#include "compute/backend_factory.h"
#include "core/train/memory_budget.h"
#include "core/train/presets.h"

namespace moe::core {

std::string dataKey(const TrainConfig& c) {
  return c.dataset + '\n' + c.dataDir + '\n' + std::to_string(c.maxTrain) + '\n' +
         std::to_string(c.validationFraction) + '\n' + std::to_string(c.seed) + '\n' +
         std::to_string(c.text.ngramMin) + '-' + std::to_string(c.text.ngramMax) + '/' +
         std::to_string(c.text.buckets) + '\n' + std::to_string(c.toy.size) + '/' +
         std::to_string(c.toy.noise) + '/' + std::to_string(c.toy.classes);
}

std::shared_ptr<const DataSplits> loadData(const TrainConfig& config) {
  return std::make_shared<const DataSplits>(loadDataset(config.dataset, dataOptionsFor(config)));
}

SessionBuild buildSession(const TrainConfig& config, std::shared_ptr<const DataSplits> data) {
  config.validate();
  SessionBuild build;
  const bool fresh = !data;
  build.data = fresh ? loadData(config) : std::move(data);
  if (fresh)  // the loader's warnings, once per load (a caller passing data has shown them)
    for (const std::string& w : build.data->report.warnings)
      build.notice += (build.notice.empty() ? "" : "; ") + w;
  // Before the first large allocation: refuse what cannot fit (MemoryBudgetError).
  const std::string memoryWarning = checkMemoryBudget(config, shapeOf(*build.data));
  compute::BackendChoice backend = compute::createBackend(config.backend, config.threads);
  if (backend.fellBack) build.notice = backend.message;
  if (!memoryWarning.empty())
    build.notice += (build.notice.empty() ? "" : "; ") + memoryWarning;
  build.session = std::make_unique<Session>(config, build.data, std::move(backend.backend));
  return build;
}

}  // namespace moe::core
