#include "core/train/presets.h"

#include "core/data/dataset_table.h"

namespace moe::core {

void textPreset(TrainConfig& c) {
  // Hashed char 2..4-grams -> 32-wide embeddings -> per-token MoE (top-2 of 4 MLP experts,
  // residual) -> mean pool -> softmax. Two epochs: a third starts to overfit.
  c.model.stemWidth = 32;
  c.model.experts = 4;
  c.model.topK = 2;
  c.model.expertHidden = 32;
  c.text.ngramMin = 2;
  c.text.ngramMax = 4;
  c.optim.lr = 0.01;
  c.batchSize = 64;
  c.epochs = 2;
}

void ratingsPreset(TrainConfig& c) {
  // mean + biases + MoE over user x item embeddings, each row with a ridge prior worth
  // 15 ratings; top-1 routing (top-2 and more experts overfit sooner, see the benchmarks).
  c.model.stemWidth = 32;
  c.model.experts = 4;
  c.model.topK = 1;
  c.model.expertHidden = 0;
  c.model.embeddingL2 = 15.0;
  c.optim.lr = 0.002;
  c.batchSize = 256;
  c.epochs = 10;
}

void shiftedPreset(TrainConfig& c) {
  // Eigen et al. (2013)'s experiment: two stacked MoE layers of 4 dense linear experts, so that the first
  // gate (on pixels) can split by where the item is and the second (on features) by what it is.
  c.model.kind = ModelKind::DeepMoe;
  c.model.layers = 2;
  c.model.experts = 4;
  c.model.topK = 2;
  c.model.router = "dense";  // every expert mixed by its gate, as in the paper
  c.model.expertHidden = 0;  // linear experts (docs/DEEP_MOE.md: where the split shows)
  c.model.stemWidth = 64;
  c.optim.lr = 0.002;
}

void toyPreset(TrainConfig& c) {
  // Jitter 0.05: the spirals' arms are 0.27 apart, so the classes stay separable (> 2.5 sd).
  // The dense router (Jacobs et al. 1991: every expert, weighted by the softmax gate) trains the
  // gate from the first step; top-1 renormalises its one gate to 1 and the gate barely learns.
  // 4 experts of 16 hidden units, 300 epochs: 0.982-0.992 test accuracy on two spirals over
  // seeds 0-4 (docs/PLAYGROUND.md).
  c.toy.noise = 0.05;
  c.model.router = "dense";
  c.model.experts = 4;
  c.model.topK = 1;
  c.model.expertHidden = 16;
  c.optim.lr = 0.01;
  c.batchSize = 32;
  c.epochs = 300;
}

void toyRegressionPreset(TrainConfig& c) {
  // 4 linear experts under a dense gate: a piecewise-linear model (docs/PLAYGROUND.md).
  c.toy.noise = 0.05;
  c.model.router = "dense";
  c.model.experts = 4;
  c.model.topK = 1;
  c.model.expertHidden = 0;
  c.optim.lr = 0.03;
  c.batchSize = 32;
  c.epochs = 200;
}

TrainConfig presetFor(const std::string& dataset) {
  TrainConfig c;
  c.dataset = dataset;
  const DatasetEntry* entry = findDataset(dataset);
  if (entry && entry->preset) entry->preset(c);
  return c;
}

DataOptions dataOptionsFor(const TrainConfig& config) {
  DataOptions opt;
  opt.dataDir = config.dataDir;
  opt.validationFraction = config.validationFraction;
  opt.seed = config.seed;
  opt.maxTrain = config.maxTrain;
  opt.tokenizer.minN = config.text.ngramMin;
  opt.tokenizer.maxN = config.text.ngramMax;
  opt.tokenizer.buckets = config.text.buckets;
  opt.toySize = config.toy.size;
  opt.toyNoise = config.toy.noise;
  opt.toyClasses = config.toy.classes;
  return opt;
}

}  // namespace moe::core
