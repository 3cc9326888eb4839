#pragma once
/** @file What the registry, the window and the CLI know about a task without a session
 *  (light: the window includes it). */
#include <cstdint>
#include <memory>

#include "core/train/metrics.h"

namespace moe::compute {
class Backend;
}

namespace moe::core {

class Model;
class Task;
struct Dataset;
struct DataSplits;
struct TrainConfig;

/** The inspector a task's inputs are explored with (the window picks the panel). */
enum class InspectorView : std::uint8_t {
  Inputs,          ///< one test row at a time: gate, experts' predictions, image saliency
  Text,            ///< test texts and any typed text, token by token (Session::inspectText)
  Recommendations  ///< a user's expert profile and top items (Session::recommend)
};

/**
 * What the registry knows about a task without a session: its name, how the UI and the CLI
 * present it, which data it trains on, and its factories. One static instance per task.
 */
struct TaskInfo {
  const char* name;         ///< "image-classification", the dataset table's task column
  const char* description;  ///< one line for help texts
  QualityMetric quality;    ///< what StepMetrics/EvalReport::quality holds (accuracy or RMSE)
  bool regression;          ///< the metric is an error (lower is better); EvalReport::regression
  const char* lossName;     ///< "cross-entropy", "squared error"
  const char* rowKind;      ///< rows of the category x expert table: "Class", "Language", "Genre"
  const char* rowUnit;      ///< what the table counts ("" inputs, "tokens", "ratings")
  InspectorView view;
  bool modelChoice;          ///< ModelConfig::kind picks the model; false: the task has one model
  bool exploresUntilPaused;  ///< the window trains it for many epochs (its preset's are a floor)
  /** Whether this task trains on `train` (the registry picks the first task that does). */
  bool (*accepts)(const Dataset& train);
  /** The model `config` asks for, sized for `train`. Throws ConfigError when they do not fit. */
  std::unique_ptr<Model> (*createModel)(const TrainConfig& config, const Dataset& train,
                                        compute::Backend& backend);
  /** A session's task instance on its data and backend. */
  std::unique_ptr<Task> (*create)(const TrainConfig& config, const DataSplits& data,
                                  compute::Backend& backend);
};

}  // namespace moe::core
