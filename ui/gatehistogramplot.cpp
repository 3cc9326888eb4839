#include "ui/gatehistogramplot.h"

#include <algorithm>

#include "core/train/metrics.h"

namespace moe::ui {

GateHistogramPlot::GateHistogramPlot(QWidget* parent)
    : EvalHistogramPlot(tr("Gate probabilities over evaluations"), tr("gate probability"), parent) {
  setToolTip(tr("Each column is one evaluation of the test split: how the router's probabilities of "
                "all (input, expert) pairs spread over 0..1. A deciding gate piles them at 0 (experts "
                "not chosen) and near 1 (the chosen one); a band that stays at 1/experts means the "
                "gate has not learned to tell the inputs apart."));
  setHints(tr("A column per evaluation of the test split\nappears with the first evaluation.\n"
              "Press Play (Space)."),
           tr("This model has no router:\nno gate probabilities to show."));
}

bool GateHistogramPlot::columnOf(const core::EvalReport& r, Column& out) const {
  if (r.gateProbs.empty()) return false;
  out.lo = 0.0;
  out.hi = 1.0;
  out.shares.assign(std::size_t(kBins), 0.0);
  for (float p : r.gateProbs) out.shares[std::size_t(std::clamp(int(p * kBins), 0, kBins - 1))] += 1.0;
  for (double& s : out.shares) s /= double(r.gateProbs.size());
  return true;
}

}  // namespace moe::ui
