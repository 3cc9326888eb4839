#include "ui/metrichistory.h"

namespace moe::ui {

EvalPoint evalPoint(const core::EvalReport& report) {
  EvalPoint p;
  p.step = report.step;
  p.epoch = report.epoch;
  p.loss = report.loss;
  p.accuracy = report.accuracy;
  p.mutualInformation = report.mutualInformation;
  p.routing = report.routing;
  return p;
}

}  // namespace moe::ui
