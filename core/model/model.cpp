#include "core/model/model.h"

#include "core/model/classifiers.h"
#include "core/model/rating_model.h"
#include "core/model/text_model.h"

namespace moe::core {

long Model::paramsTotal() {
  long n = 0;
  for (Parameter* p : parameters()) n += long(p->value.size());
  return n;
}

void Model::setCapacityFactor(double cf) {
  if (MoeLayer* m = moe()) m->router().setCapacityFactor(cf);
}

void Model::setNoiseScale(double s) {
  if (MoeLayer* m = moe()) m->router().setNoiseScale(s);
}

std::unique_ptr<Model> createModel(const TrainConfig& config, const Dataset& train,
                                   compute::Backend& backend) {
  config.validate();
  if (train.kind == DataKind::Tokens) return createTextModel(config, train, backend);
  if (train.kind == DataKind::Ratings) return createRatingModel(config, train, backend);
  if (train.kind != DataKind::Dense)
    throw ConfigError("model '" + std::string(modelName(config.model.kind)) +
                      "' needs dense features; dataset '" + train.name + "' is not");
  if (train.classes < 2) throw ConfigError("dataset '" + train.name + "' has fewer than 2 classes");
  std::mt19937_64 rng(config.seed);
  switch (config.model.kind) {
    case ModelKind::MoeClassifier:
      return std::make_unique<MoeClassifier>(backend, train.features, train.classes, config.model,
                                             rng);
    case ModelKind::StemMoe:
      return std::make_unique<StemMoeClassifier>(backend, train.features, train.classes,
                                                 config.model, rng);
    case ModelKind::DenseMlp:
      return std::make_unique<DenseMlp>(backend, train.features, train.classes, config.model, rng);
  }
  throw ConfigError("unknown model kind");
}

}  // namespace moe::core
