#pragma once
/** @file Models: forward to logits, backward from their gradient, parameters, inspection. */
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/data/dataset.h"
#include "core/model/moe_layer.h"
#include "core/train/config.h"
#include "core/train/inspection.h"

namespace moe::core {

struct TaskLoss;  // core/task/task.h

/** One mini-batch as the model sees it. */
struct Batch {
  int rows = 0;
  compute::Tensor x;                  ///< Dense data: rows x features, on the backend
  std::vector<std::int32_t> indices;  ///< rows of `source` in this batch
  const Dataset* source = nullptr;    ///< host data, for models that read ids or tokens
  std::vector<std::int32_t> labels;   ///< classification: the rows' classes (host)
  std::vector<float> targets;         ///< regression: the rows' targets (host)
};

/** Per-step context the trainer passes down (loss weights, noise stream). */
struct StepContext {
  LossConfig loss;
  std::uint64_t noiseSeed = 0;
  std::uint64_t noiseCounter = 0;
};

class Model {
 public:
  virtual ~Model() = default;

  /** Logits (rows x outputs) of the batch; keeps what backward needs when training. */
  virtual const compute::Tensor& forward(const Batch& batch, bool training,
                                         const StepContext& ctx) = 0;
  /** Fills every parameter's gradient from dLogits (rows x outputs). */
  virtual void backward(const compute::Tensor& dLogits) = 0;
  virtual std::vector<Parameter*> parameters() = 0;
  /** The MoE layer whose routing is analysed and shown; nullptr for dense models. */
  virtual MoeLayer* moe() = 0;
  /** Every MoE layer, in a fixed order (checkpoints key router state by this index). The
   *  default is moe() alone; models with several MoE layers override it. */
  virtual std::vector<MoeLayer*> moeLayers();
  virtual long paramsActivePerInput() const = 0;
  /** Forward (inference) FLOPs per input of `data`, counted from the model's shapes: 2 per
   *  weight a row multiplies (a multiply and an add; embedding lookups are free), the MoE's
   *  router and gated combine included (MoeLayer::flopsPerRow), times the routed rows of an
   *  input (text: the mean tokens per text of `data`; images as patches: the patches).
   *  Elementwise work (activations, softmax, pooling) is not counted. */
  virtual double flopsPerInput(const Dataset& data) const = 0;
  virtual std::string describe() const = 0;
  /** Inspects one input (a batch of one row): gate, expert predictions, saliency. */
  virtual Inspection inspect(const Batch& one) = 0;
  /**
   * For models whose MoE rows are not the batch rows (the text model routes tokens): the batch
   * row each row of the last forward's dispatch plan belongs to. nullptr: rows are batch rows.
   */
  virtual const std::vector<std::int32_t>* routedRowOwners() const { return nullptr; }

  /** Models that train on an objective of their own rather than the task's loss of their
   *  output (hme: the mixture's likelihood, core/model/hme_model.h) replace loss.loss here,
   *  after the task computed it; their backward then follows that objective. Default: no change. */
  virtual void replaceLoss(const Batch& /*batch*/, TaskLoss& /*loss*/) {}
  /** Models fitted by an algorithm of their own (hme with EM) instead of gradients: Session
   *  then trains on the whole training split as one batch per step (one pass over the data),
   *  calls fit() instead of backward() and does not step the optimizer. */
  virtual bool fitsItself() const { return false; }
  /** One fitting iteration on the batch of the last training forward (fitsItself models). */
  virtual void fit(const Batch& /*batch*/) {}
  /** Adds a step's model-specific measurements (hme: each node's share of the batch). */
  virtual void describeStep(StepMetrics& /*m*/) {}
  /** Adds an evaluation's model-specific measurements and, for a model without a MoeLayer that
   *  still routes (hme: its leaves are the experts), the routing fields of `report`. */
  virtual void describeEval(const DataSplits& /*data*/, const Dataset& /*evaluated*/,
                            EvalReport& /*report*/) {}

  long paramsTotal();
  /** Live settings. */
  void setCapacityFactor(double cf);
  void setNoiseScale(double s);
};

/** Builds the model `config` asks for, sized for `train` (features, classes): the factory of
 *  the task that trains on `train` (core/task/registry.h). */
std::unique_ptr<Model> createModel(const TrainConfig& config, const Dataset& train,
                                   compute::Backend& backend);

}  // namespace moe::core
