#include "ui/gatebarchart.h"

#include <algorithm>
#include <cmath>

#include "ui/palette.h"

namespace moe::ui {

GateBarChart::GateBarChart(QWidget* parent) : PlotView(tr("Gate probabilities"), parent) {
  setInteractions({});
  xAxis->setLabel(tr("expert"));
  yAxis->setLabel(tr("probability"));
  mOther = new QCPBars(xAxis, yAxis);
  mOther->setName(tr("not chosen"));
  mOther->setPen(QPen(QColor(120, 120, 120)));
  mOther->setBrush(QColor(190, 190, 190));
  mChosen = new QCPBars(xAxis, yAxis);
  mChosen->setName(tr("chosen"));
  mChosen->setPen(QPen(QColor(30, 80, 140)));
  mChosen->setBrush(QColor(78, 121, 167));
  for (QCPBars* b : {mOther, mChosen}) b->setWidth(0.7);
  mShared = new QCPBars(xAxis, yAxis);
  mShared->setName(tr("shared: always on, weight 1"));
  mShared->setPen(QPen(sharedExpertColor().darker(130)));
  mShared->setBrush(sharedExpertColor());
  mShared->setWidth(0.7);
  mShared->removeFromLegend();  // until a model with shared experts is shown
  mSeparator = new QCPItemStraightLine(this);
  mSeparator->setPen(QPen(QColor(60, 60, 60), 1.5, Qt::DashLine));
  mDropped = new QCPItemText(this);
  mDropped->setPositionAlignment(Qt::AlignTop | Qt::AlignRight);
  mDropped->position->setType(QCPItemPosition::ptAxisRectRatio);
  mDropped->position->setCoords(0.98, 0.02);
  mDropped->setColor(QColor(200, 30, 30));
  QFont f = xAxis->labelFont();
  f.setBold(true);
  mDropped->setFont(f);
  mDropped->setVisible(false);
  // Under the axes: inside, it covered the bar of whichever expert had a large gate at the
  // left (E0's bar and its "w=0.17" under "chosen" in the inspector).
  placeLegendBelow();
  yAxis->setRange(0, 1.05);
  // The axes' height is known once laid out: a changed range is drawn at the next replot.
  connect(this, &QCustomPlot::afterLayout, this, [this] {
    const double before = yAxis->range().upper;
    fitLabelRoom();
    if (yAxis->range().upper != before) refresh();
  });
}

QCPItemText* GateBarChart::addLabel(double x, double y, const QString& text, const QColor& color) {
  auto* t = new QCPItemText(this);
  t->setPositionAlignment(Qt::AlignBottom | Qt::AlignHCenter);
  t->position->setCoords(x, y + 0.01);
  t->setText(text);
  t->setColor(color);
  t->setFont(xAxis->tickLabelFont());
  mLabels.push_back(t);
  return t;
}

void GateBarChart::clearLabels() {
  for (QCPItemText* t : mLabels) removeItem(t);
  mLabels.clear();
}

double GateBarChart::showShared(int n, const QString& caption) {
  const int shared = n > 0 ? mSharedCount : 0;
  QVector<double> keys, ones;
  // Half a bar of gap and a dashed line between the routed experts and the shared ones.
  for (int s = 0; s < shared; ++s) {
    keys.push_back(n + s + 0.5);
    ones.push_back(1.0);
    addLabel(n + s + 0.5, 1.0, caption, sharedExpertColor().darker(150));
  }
  mShared->setData(keys, ones, true);
  mShared->setVisible(shared > 0);
  if (shared > 0) mShared->addToLegend();
  else mShared->removeFromLegend();
  mSeparator->point1->setCoords(n - 0.25, 0);
  mSeparator->point2->setCoords(n - 0.25, 1);
  mSeparator->setVisible(shared > 0);
  return shared > 0 ? 1.0 : 0.0;
}

void GateBarChart::setExpertAxis(int n, double top) {
  const int shared = n > 0 ? mSharedCount : 0;
  QSharedPointer<QCPAxisTickerText> xt(new QCPAxisTickerText);
  for (int e = 0; e < n; ++e) xt->addTick(e, QStringLiteral("E%1").arg(e));
  for (int s = 0; s < shared; ++s) xt->addTick(n + s + 0.5, QStringLiteral("S%1").arg(s + 1));
  xAxis->setTicker(xt);
  xAxis->setRange(-0.6, shared > 0 ? n + shared + 0.1 : n - 0.4);
  mTop = std::max(top, 1e-3);
  fitLabelRoom();
}

void GateBarChart::fitLabelRoom() {
  const double axis = axisRect()->height();
  const double room = mLabelLines * QFontMetricsF(xAxis->tickLabelFont()).height() + 10;  // + its offset and padding
  // upper such that the tallest bar ends `room` pixels below the top, within 3x the bar.
  double upper = std::min(1.3, mTop * 1.25 + 0.1);
  if (axis > 0) upper = std::max(upper, axis > room ? std::min(3.0 * mTop, mTop * axis / (axis - room)) : 3.0 * mTop);
  if (std::abs(upper - yAxis->range().upper) > 1e-6 * upper) yAxis->setRange(0, upper);
}

void GateBarChart::setGate(const std::vector<float>& probs,
                           const std::vector<std::int32_t>& chosen,
                           const std::vector<float>& chosenGates, bool dropped) {
  const int n = int(probs.size());
  QVector<double> keys;
  QVector<double> other;
  QVector<double> picked;
  mValues.assign(probs.begin(), probs.end());
  mShares.clear();
  for (QCPBars* b : {mOther, mChosen}) b->setWidth(0.7);
  mOther->setName(tr("not chosen"));
  mChosen->setName(tr("chosen"));
  yAxis->setLabel(tr("probability"));
  mLabelLines = 2;  // "#1" over "w=0.72"
  clearLabels();
  for (int e = 0; e < n; ++e) {
    keys.push_back(e);
    const auto it = std::find(chosen.begin(), chosen.end(), e);
    const bool isChosen = it != chosen.end();
    const double p = probs[std::size_t(e)];
    other.push_back(isChosen ? 0.0 : p);
    picked.push_back(isChosen ? p : 0.0);
    if (isChosen) {
      const std::size_t r = std::size_t(it - chosen.begin());
      const float w = r < chosenGates.size() ? chosenGates[r] : 0.0f;
      addLabel(e, p, tr("#%1\nw=%2").arg(r + 1).arg(double(w), 0, 'f', 2), Qt::black);
    } else {
      addLabel(e, p, QString::number(p, 'f', 2), QColor(110, 110, 110));
    }
  }
  mOther->setData(keys, other, true);
  mChosen->setData(keys, picked, true);
  mDropped->setText(tr("dropped: an expert it wanted was full"));
  mDropped->setVisible(dropped);
  const double shared = showShared(n, tr("w=1"));  // the legend says "always on"
  setExpertAxis(n, std::max(shared, probs.empty() ? 1.0 : *std::max_element(probs.begin(), probs.end())));
  refresh();
}

void GateBarChart::setTokenShares(const std::vector<float>& meanProbs,
                                  const std::vector<std::int32_t>& experts,
                                  const std::vector<float>& shares) {
  const int n = int(meanProbs.size());
  mValues.assign(meanProbs.begin(), meanProbs.end());
  mShares.assign(std::size_t(n), 0.0);
  for (std::size_t i = 0; i < experts.size() && i < shares.size(); ++i)
    if (experts[i] >= 0 && experts[i] < n) mShares[std::size_t(experts[i])] = shares[i];
  QVector<double> probKeys, shareKeys, probVals, shareVals;
  clearLabels();
  double top = 0.0;
  for (int e = 0; e < n; ++e) {
    // Side by side: the mean gate left of the expert's tick, its share of the tokens right.
    probKeys.push_back(e - 0.19);
    shareKeys.push_back(e + 0.19);
    probVals.push_back(mValues[std::size_t(e)]);
    shareVals.push_back(mShares[std::size_t(e)]);
    addLabel(e + 0.19, mShares[std::size_t(e)], QStringLiteral("%1%").arg(100.0 * mShares[std::size_t(e)], 0, 'f', 0),
             Qt::black);
    top = std::max({top, mValues[std::size_t(e)], mShares[std::size_t(e)]});
  }
  for (QCPBars* b : {mOther, mChosen}) b->setWidth(0.36);
  // Short names: the long ones took two legend rows of a projector's short plot.
  mOther->setName(tr("mean gate"));
  mChosen->setName(tr("share routed (top-k)"));
  yAxis->setLabel(tr("share"));
  mLabelLines = 1;
  mOther->setData(probKeys, probVals, true);
  mChosen->setData(shareKeys, shareVals, true);
  mDropped->setVisible(false);
  setExpertAxis(n, std::max(top, showShared(n, tr("100%"))));
  refresh();
}

std::vector<QRect> GateBarChart::labelRects() const {
  std::vector<QRect> rects;
  for (const QCPItemText* t : mLabels)
    rects.emplace_back(t->topLeft->pixelPosition().toPoint(), t->bottomRight->pixelPosition().toPoint());
  return rects;
}

QStringList GateBarChart::labelTexts() const {
  QStringList texts;
  for (const QCPItemText* t : mLabels) texts << t->text();
  return texts;
}

QStringList GateBarChart::expertTickLabels() const {
  QStringList names;
  if (const auto t = xAxis->ticker().dynamicCast<QCPAxisTickerText>())
    for (const QString& name : t->ticks()) names << name;
  return names;
}

void GateBarChart::clearGate() { setGate({}, {}, {}, false); }

std::vector<double> GateBarChart::values() const { return mValues; }

}  // namespace moe::ui
