#include "core/model/model.h"

#include "core/task/registry.h"

namespace moe::core {

long Model::paramsTotal() {
  long n = 0;
  for (Parameter* p : parameters()) n += long(p->value.size());
  return n;
}

std::vector<MoeLayer*> Model::moeLayers() {
  MoeLayer* m = moe();
  return m ? std::vector<MoeLayer*>{m} : std::vector<MoeLayer*>{};
}

void Model::setCapacityFactor(double cf) {
  for (MoeLayer* m : moeLayers()) m->router().setCapacityFactor(cf);
}

void Model::setNoiseScale(double s) {
  for (MoeLayer* m : moeLayers()) m->router().setNoiseScale(s);
}

std::unique_ptr<Model> createModel(const TrainConfig& config, const Dataset& train,
                                   compute::Backend& backend) {
  config.validate();
  return taskFor(train).createModel(config, train, backend);
}

}  // namespace moe::core
