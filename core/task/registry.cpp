#include "core/task/registry.h"

#include "core/data/dataset.h"
#include "core/train/config.h"

namespace moe::core {

const std::vector<const TaskInfo*>& tasks() {
  // More specific tasks first: a task on dense features with regression targets would come
  // before image classification, which takes any dense data.
  static const std::vector<const TaskInfo*> all = {
      &tokenClassificationTask(), &ratingRegressionTask(), &pointRegressionTask(),
      &imageClassificationTask()};
  return all;
}

const TaskInfo& taskFor(const Dataset& train) {
  for (const TaskInfo* t : tasks())
    if (t->accepts(train)) return *t;
  throw ConfigError("no task trains on dataset '" + train.name + "'");
}

const TaskInfo& taskNamed(const std::string& name) {
  std::string valid;
  for (const TaskInfo* t : tasks()) {
    if (name == t->name) return *t;
    valid += (valid.empty() ? "" : ", ") + std::string(t->name);
  }
  throw ConfigError("unknown task '" + name + "'; valid: " + valid);
}

}  // namespace moe::core
