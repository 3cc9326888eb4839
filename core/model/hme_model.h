#pragma once
/** @file The hierarchical mixture of experts as a session's model (--model hme): an HmeTree
 *  (core/model/hme_tree.h) whose parameters live on the backend, so that the optimizer,
 *  checkpoints and parameter counts treat it like any model. Its arithmetic runs on the host in
 *  double precision (the trees are small); EM (--fit em) is core/model/hme_em.h.
 *
 *  Its output: classification, log mixture probabilities (compete) or the averaged logits
 *  (cooperate), so that the task's cross-entropy is the mixture's loss; regression, the
 *  mixture's mean. It trains on its own objective (Model::replaceLoss): with compete the
 *  negative log-likelihood, with cooperate the task's loss of the averaged prediction. */
#include <memory>
#include <random>

#include "core/model/hme_em.h"
#include "core/model/hme_tree.h"
#include "core/model/model.h"

namespace moe::core {

class HmeModel final : public Model {
 public:
  /** outputs: classes (classification) or 1 (regression). trainRows: the training rows the
   *  session uses (the first of the split), whose log-likelihood evaluations report.
   *  targetVariance: regression, the training targets' variance (each expert starts at it over
   *  the number of experts); 0 when unknown (variance 1). */
  HmeModel(compute::Backend& backend, int features, int outputs, bool regression,
           const ModelConfig& config, int trainRows, std::mt19937_64& rng,
           double targetVariance = 0.0);

  const compute::Tensor& forward(const Batch& batch, bool training,
                                 const StepContext& ctx) override;
  /** Writes the gradient of the model's own objective (dLogits is not read: for
   *  classification it is the same gradient, for regression with compete it does not exist). */
  void backward(const compute::Tensor& dLogits) override;
  std::vector<Parameter*> parameters() override;
  MoeLayer* moe() override { return nullptr; }
  long paramsActivePerInput() const override;
  double flopsPerInput(const Dataset& data) const override;
  std::string describe() const override;
  Inspection inspect(const Batch& one) override;

  void replaceLoss(const Batch& batch, TaskLoss& loss) override;
  bool fitsItself() const override { return mFit == FitMethod::Em; }
  void fit(const Batch& batch) override;
  void describeStep(StepMetrics& m) override;
  void describeEval(const DataSplits& data, const Dataset& evaluated, EvalReport& report) override;

  const HmeTree& tree() const { return mTree; }
  /** The tree's pass of the last forward (evaluation or training batch): its gates, path
   *  priors and expert outputs per row, for views that draw what the tree did (the playground). */
  const HmePass& lastPass() const { return mPass; }
  /** The result of the last EM iteration (zeros before the first). */
  const HmeEmResult& lastEm() const { return mLastEm; }

 private:
  void pull();        ///< backend parameters -> host tree
  void push();        ///< host tree -> backend parameters
  HmeTargets targetsOf(const Batch& batch) const;
  /** The tree on rows [begin, end) of a dense dataset. */
  void runOn(const Dataset& d, int begin, int end, HmePass& pass) const;

  compute::Backend& mBackend;
  HmeTree mTree;
  FitMethod mFit;
  MixtureLoss mLoss;
  int mTrainRows;
  std::vector<Parameter> mParams;  ///< gates, experts, [experts2], [logVar]
  Scratch mOutScratch;
  compute::Tensor mOut;
  HmePass mPass;           ///< the last forward's
  HmeTargets mTargets;     ///< the last training forward's
  HmeGrads mGrads;
  bool mHaveGrads = false;
  HmeEmResult mLastEm;
};

/** The hme model for dense data (image classification, toy sets): refuses other data and fits
 *  that EM cannot do (ConfigError naming the problem). */
std::unique_ptr<Model> createHmeModel(const TrainConfig& config, const Dataset& train,
                                      compute::Backend& backend);

}  // namespace moe::core
