#pragma once
/** @file What the inspector shows for one input: the gate's decision and why. */
#include <cstdint>
#include <string>
#include <vector>

namespace moe::core {

/** One input through the model, expert by expert. */
struct Inspection {
  int index = -1;        ///< row in the test split
  int label = -1;
  int experts = 0;
  int classes = 0;
  std::vector<float> gateProbs;        ///< router probability per expert (softmax of logits)
  std::vector<float> gateLogits;       ///< raw router logits per expert
  std::vector<std::int32_t> chosen;    ///< experts that processed the input, first choice first
  std::vector<float> chosenGates;      ///< combine weight of each chosen expert
  bool dropped = false;                ///< wanted an expert but lost it to capacity
  std::vector<std::vector<float>> expertPredictions;  ///< per chosen expert: class probabilities
  std::vector<float> prediction;       ///< combined class probabilities
  int predicted = -1;
  /** d gate_prob[chosen[0]] / d input, same size as the input (image saliency). */
  std::vector<float> saliency;
  std::string note;                    ///< e.g. why some field is empty
};

}  // namespace moe::core
