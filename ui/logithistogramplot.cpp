#include "ui/logithistogramplot.h"

#include "core/train/metrics.h"

namespace moe::ui {

LogitHistogramPlot::LogitHistogramPlot(QWidget* parent)
    : EvalHistogramPlot(tr("Router logits over evaluations"), tr("logit"), parent) {
  setToolTip(tr("Each column is one evaluation of the test split: how the router's raw scores (its "
                "logits, before softmax) of all (input, expert) pairs spread. Softmax ignores a "
                "shift shared by all experts, so watch the spread: a few units apart is a gate that "
                "decides; logits that keep growing (tens or more) make the gate brittle and its "
                "gradients vanish, which the z-loss is there to stop."));
  setHints(tr("A column per evaluation of the test split\nappears with the first evaluation.\n"
              "Press Play (Space)."),
           tr("This model has no linear router:\nno logits to show."));
  setSubtitle(tr("no evaluation yet"));  // its row is there from the start: the layout stays
}

bool LogitHistogramPlot::columnOf(const core::EvalReport& r, Column& out) const {
  const core::LogitHistogram& h = r.routerLogits;
  if (h.empty()) return false;
  out.lo = h.edge(0);
  out.hi = h.edge(core::LogitHistogram::kBins);
  out.shares.resize(h.counts.size());
  for (std::size_t b = 0; b < h.counts.size(); ++b) out.shares[b] = double(h.counts[b]) / double(h.total);
  return true;
}

void LogitHistogramPlot::shown(const core::EvalReport* newest) {
  if (!newest) return setSubtitle(tr("no evaluation yet"));
  const core::LogitHistogram& h = newest->routerLogits;
  setSubtitle(tr("step %1: mean %2 · spread ±%3 · %4 to %5")
                  .arg(newest->step)
                  .arg(h.mean, 0, 'f', 2)
                  .arg(h.stddev, 0, 'f', 2)
                  .arg(double(h.lo), 0, 'f', 2)
                  .arg(double(h.hi), 0, 'f', 2));
}

}  // namespace moe::ui
