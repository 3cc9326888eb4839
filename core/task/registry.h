#pragma once
/** @file The registry of tasks: every kind of learning problem the application trains. */
#include <string>
#include <vector>

#include "core/task/task_info.h"

namespace moe::core {

/** Every task, in the order taskFor tries them. */
const std::vector<const TaskInfo*>& tasks();

/** The first task whose TaskInfo::accepts takes `train`.
 *  @throws ConfigError naming the dataset when none does. */
const TaskInfo& taskFor(const Dataset& train);

/** The task called `name`. @throws ConfigError listing the valid names. */
const TaskInfo& taskNamed(const std::string& name);

// One accessor per task, each defined in the task's own file.
const TaskInfo& imageClassificationTask();  ///< core/task/image_classification.cpp
const TaskInfo& tokenClassificationTask();  ///< core/task/token_classification.cpp
const TaskInfo& ratingRegressionTask();     ///< core/task/rating_regression.cpp
const TaskInfo& pointRegressionTask();      ///< core/task/point_regression.cpp

}  // namespace moe::core
