#pragma once
/** @file What each expert of a trained model is worth: the test accuracy, overall and per
 *  class, with each expert removed (two ways), each expert alone, and a uniform gate. */
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/analysis/ablation_policy.h"
#include "core/train/inspection.h"

namespace moe::core {

class Session;

/** The model cannot be ablated (no MoE layer, a regression task, a router with weighted
 *  slots); what() says why. */
class AblationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/** Throws AblationError unless the session's model can be ablated (an MoE layer, a
 *  classification task); routers with weighted slots are found out at the first evaluation. */
void requireAblatable(Session& session);

/** One evaluation of the test split with the routing changed. */
struct AblationEval {
  AblationMode mode = AblationMode::NextChoice;
  int expert = -1;                   ///< the expert removed (or alone); -1 for the uniform gate
  double accuracy = 0.0;
  std::vector<double> classAccuracy;  ///< per class (NaN for a class with no test row)
};

/** Everything ablate() measured. */
struct AblationReport {
  long step = 0;        ///< training steps of the weights
  int experts = 0;      ///< routed experts of the analysed MoE layer
  int classes = 0;
  int k = 0;            ///< experts per row of the router
  int rows = 0;         ///< test rows
  std::vector<std::string> classNames;
  double accuracy = 0.0;               ///< the model as trained
  std::vector<double> classAccuracy;   ///< per class, as trained
  std::vector<std::int64_t> classRows;    ///< test rows per class
  std::vector<std::int64_t> classExpert;  ///< classes x experts, the routing as trained
  /** Per expert: the share of test inputs routed to it (any of a row's choices; text: tokens). */
  std::vector<double> expertShare;
  std::vector<AblationEval> nextChoice;   ///< per expert, removed, its share to the next choice
  std::vector<AblationEval> renormalise;  ///< per expert, removed, the other gates scaled up
  std::vector<AblationEval> alone;        ///< per expert, every row to it alone
  AblationEval uniform;                   ///< every row to every expert alike

  /** The removal list of `mode` (NextChoice or Renormalise). */
  const std::vector<AblationEval>& removed(AblationMode mode) const {
    return mode == AblationMode::Renormalise ? renormalise : nextChoice;
  }
};

/** Called after each evaluation: done, total. */
using AblationProgress = std::function<void(int done, int total)>;

/**
 * Evaluates the session's test split as trained, then with each routed expert of its MoE layer
 * (Model::moe()) removed in both ways, alone, and with a uniform gate: 3E + 2 evaluations. The
 * router is put back afterwards and the session's training state, routing history and alarms
 * are left as they were. Classification tasks only.
 * @throws AblationError when the model cannot be ablated.
 */
AblationReport ablate(Session& session, const AblationProgress& progress = {});

/** The check, per expert that receives at least `minShare` of the test inputs: the
 *  class it takes the largest share of, the accuracy drop there, and the mean drop over the
 *  other classes. */
struct AblationBarRow {
  int expert = -1;
  double share = 0.0;
  int topClass = -1;        ///< the class whose rows go to this expert most (by share of the class)
  double topClassShare = 0.0;
  double topClassDrop = 0.0;   ///< accuracy as trained minus with the expert removed
  double otherClassDrop = 0.0; ///< the mean of that drop over the other classes
  bool passes = false;         ///< topClassDrop > otherClassDrop
};
std::vector<AblationBarRow> ablationBar(const AblationReport& report, AblationMode mode,
                                        double minShare = 0.05);

/** One input with each expert removed: the class predicted and the probability of the input's
 *  label. */
struct AblatedInput {
  int expert = -1;
  int predicted = -1;
  float labelProbability = 0.0f;
  std::vector<float> prediction;  ///< class probabilities
};

/**
 * Inspects test row `testIndex` with each routed expert removed in `mode` (NextChoice or
 * Renormalise); one entry per expert. @throws AblationError as ablate() does.
 */
std::vector<AblatedInput> ablateInput(Session& session, int testIndex, AblationMode mode);

}  // namespace moe::core
