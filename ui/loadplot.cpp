#include "ui/loadplot.h"

#include "ui/palette.h"

namespace moe::ui {

LoadPlot::LoadPlot(QWidget* parent) : PlotView(tr("Expert load"), parent) {
  xAxis->setLabel(tr("step"));
  yAxis->setLabel(tr("share of routed inputs (stacked)"));
  placeLegendBelow();  // inside, it would hide the top bands
  setExperts(8);
}

void LoadPlot::setExperts(int experts) {
  clearGraphs();
  for (QCPItemStraightLine* line : mIdeal) removeItem(line);
  mIdeal.clear();
  mExperts = experts;
  mSmoothed.assign(std::size_t(experts), 0.0);
  // Filled bands cost more to draw than lines: fewer points (still one per ~2 pixels).
  mThinning.assign(std::size_t(experts), CurveThinning(400));
  // Bands are painted as areas down to zero, the top one (cumulative share 1) first and each
  // lower one over it: the same picture as fills between neighbouring curves, at a fraction
  // of the cost (channel fills grow slower with every step a curve gains).
  mBands.assign(std::size_t(experts), nullptr);
  for (int e = experts - 1; e >= 0; --e) {
    QCPGraph* g = addGraph();
    g->setName(tr("E%1").arg(e));
    const QColor c = categoryColor(e);
    g->setPen(QPen(c.darker(130), 1.0));
    g->setBrush(c);
    mBands[std::size_t(e)] = g;
  }
  // The legend lists the experts in their order, E0 first.
  legend->clearItems();
  for (QCPGraph* g : mBands) legend->addItem(new QCPPlottableLegendItem(legend, g));
  QPen dashed(QColor(30, 30, 30, 170), 1.5, Qt::DashLine);
  for (int i = 1; i < experts; ++i) {
    auto* line = new QCPItemStraightLine(this);
    line->point1->setCoords(0, double(i) / experts);
    line->point2->setCoords(1, double(i) / experts);
    line->setPen(dashed);
    mIdeal.push_back(line);
  }
  // A legend entry for the dashed 1/N boundaries.
  if (experts > 1) {
    QCPGraph* ideal = addGraph();
    ideal->setName(tr("ideal 1/N"));
    ideal->setPen(dashed);
  }
  if (mShared > 0) {
    // A legend entry only: a shared expert's share of the inputs is always 1.
    QCPGraph* shared = addGraph();
    shared->setName(mShared == 1 ? tr("S1 shared: always on") : tr("S1–S%1 shared: always on").arg(mShared));
    shared->setPen(QPen(sharedExpertColor().darker(130), 1.0));
    shared->setBrush(sharedExpertColor());
  }
  yAxis->setRange(0, 1);
  refresh();
}

void LoadPlot::setSharedExperts(int count) { mShared = std::max(0, count); }

QStringList LoadPlot::legendNames() const {
  QStringList names;
  for (int i = 0; i < legend->itemCount(); ++i)
    if (auto* item = qobject_cast<QCPPlottableLegendItem*>(legend->item(i)))
      names << item->plottable()->name();
  return names;
}

void LoadPlot::append(double step, const std::vector<float>& load) {
  if (int(load.size()) != mExperts) setExperts(int(load.size()));
  const bool first = graph(0)->dataCount() == 0;
  double cum = 0.0;
  for (int e = 0; e < mExperts; ++e) {
    double& s = mSmoothed[std::size_t(e)];
    s = first ? load[std::size_t(e)] : s + mAlpha * (load[std::size_t(e)] - s);
    cum += s;
    mThinning[std::size_t(e)].append(mBands[std::size_t(e)], step, cum);
  }
}

void LoadPlot::clearData() { setExperts(mExperts); }

int LoadPlot::pointCount() const { return graphCount() > 0 ? graph(0)->dataCount() : 0; }

void LoadPlot::rescale() {
  if (graphCount() > 0 && graph(0)->dataCount() > 0) {
    bool found = false;
    QCPRange keys = graph(0)->getKeyRange(found);
    if (found) xAxis->setRange(keys.lower, std::max(keys.upper, keys.lower + 1));
  }
  yAxis->setRange(0, 1.0);
}

}  // namespace moe::ui
