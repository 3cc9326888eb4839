#pragma once
/** @file Tasks: what a kind of learning problem adds to the training loop. A task owns batch
 *  assembly, the loss and its metric, evaluation, inspection data and the model factory;
 *  core::Session keeps the loop, the optimizer and checkpoints, and asks the task for the rest.
 *  The registry of tasks is core/task/registry.h. */
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/data/dataset.h"
#include "core/data/tokenizer.h"
#include "core/model/model.h"
#include "core/task/task_info.h"
#include "core/train/config.h"
#include "core/train/inspection.h"
#include "core/train/metrics.h"

namespace moe::core {

/** Which of a session's splits a batch comes from. */
enum class Split : std::uint8_t { Train, Validation, Test };

/** The task loss of one training batch. */
struct TaskLoss {
  double loss = 0.0;         ///< mean over the batch's rows
  double metric = 0.0;       ///< accuracy, or RMSE for regression
  compute::Tensor gradient;  ///< d loss / d model output, what Model::backward takes
};

/** One evaluation pass of a task over a split, fed batch by batch by Session::evaluate. */
class EvalPass {
 public:
  virtual ~EvalPass() = default;
  /** Scores the rows batch.indices (consecutive, from `start`) given the model's output and
   *  adds their routing (moe: nullptr for dense models). */
  virtual void add(const Batch& batch, int start, const compute::Tensor& out, MoeLayer* moe) = 0;
  /** Writes the loss, the metric and the routing analysis into the report beginEval took. */
  virtual void finish() = 0;
};

/**
 * A session's task: bound to the session's config (live: it reads the current settings),
 * data and backend, and to the model it built (createModel). Not thread-safe, like Session.
 */
class Task {
 public:
  Task(const TaskInfo& info, const TrainConfig& config, const DataSplits& data,
       compute::Backend& backend);
  virtual ~Task();
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;

  const TaskInfo& info() const { return mInfo; }
  const Dataset& split(Split s) const;

  /** Builds the model (TaskInfo::createModel) and keeps it for inspection; the caller owns it. */
  std::unique_ptr<Model> createModel();
  /** Rows of the category x expert table (classes, languages, genres). */
  virtual int analysisRows() const { return mData.train.classes; }

  /** The batch of `rows` of a split: host indices, labels or targets, device inputs. */
  virtual Batch batch(Split s, std::span<const std::int32_t> rows) = 0;
  /** The training loss of a batch from the model's output: loss, metric, gradient. */
  virtual TaskLoss loss(const Batch& batch, const compute::Tensor& out) = 0;
  /** Routing statistics of the last training forward; adds its category x expert counts to
   *  `table` (analysisRows() x experts). */
  virtual RoutingStats trainRouting(const Batch& batch, MoeLayer& moe,
                                    std::vector<std::int64_t>& table) = 0;

  /** Rows per evaluation forward. */
  virtual int evalBatchRows() const = 0;
  /** Starts evaluating `s`; report's step, epoch, experts and k are set. */
  virtual std::unique_ptr<EvalPass> beginEval(Split s, EvalReport& report) = 0;

  /** Inspects one test row (Session::inspect checks the index). */
  virtual Inspection inspect(int testIndex) = 0;
  /** InspectorView::Text tasks: any typed text. Others throw std::logic_error. */
  virtual Inspection inspectText(const std::string& text);
  /** InspectorView::Recommendations tasks: a user's profile and top-n. Others throw
   *  std::logic_error. */
  virtual UserRecommendations recommend(int user, int n);
  /** How text is tokenised for this session (buckets from the config for non-text tasks). */
  virtual TokenizerOptions tokenizerOptions() const;

 protected:
  /** Builds the task's model; implementations keep a typed pointer when they need one. */
  virtual std::unique_ptr<Model> makeModel();
  /** model->inspect on a batch of one test row, with its index and label filled in. */
  Inspection inspectRow(const Batch& one, int testIndex);
  /** The evaluation-time step context (no noise). */
  StepContext evalContext() const { return StepContext{mConfig.loss, 0, 0}; }

  const TaskInfo& mInfo;
  const TrainConfig& mConfig;
  const DataSplits& mData;
  compute::Backend& mBackend;
  Model* mModel = nullptr;  ///< owned by the session
};

/** Experts each row of `config`'s router reaches at most: the k of EvalReport::topExperts. */
int expertsPerRow(const ModelConfig& config);

}  // namespace moe::core
